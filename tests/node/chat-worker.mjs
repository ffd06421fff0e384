// Child process for the chat state test: appends `count` events tagged `tag` to one channel log.
import { createChatStateStore } from "@pie-lab/storage";

const [agentDir, tag, count] = process.argv.slice(2);
const store = createChatStateStore(agentDir);
const padding = "x".repeat(2000); // long lines make interleaving visible if it ever happened
for (let i = 0; i < Number(count); i++) {
  await store.appendChannelEvent("tg", "home", { id: `${tag}_${i}`, padding });
}
