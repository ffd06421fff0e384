// Child process: acquires `count` times and prints one JSON line per acquisition.
import { createJsonProviderConnectionStore } from "@pie-lab/storage";

const [path, count] = process.argv.slice(2);
const store = createJsonProviderConnectionStore(path);
for (let i = 0; i < Number(count); i++) {
  const selection = await store.acquireProviderConnection("openai", "gpt-5.4");
  process.stdout.write(JSON.stringify({ name: selection.connection.name, at: selection.updates.lastUsedAt }) + "\n");
}
