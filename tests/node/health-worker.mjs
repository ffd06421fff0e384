// Child process: marks one connection unavailable for one model (a lost-update race probe).
import { createJsonProviderConnectionStore } from "@pie-lab/storage";

const [path, id, model, count] = process.argv.slice(2);
const store = createJsonProviderConnectionStore(path);
for (let i = 0; i < Number(count); i++) {
  await store.markProviderConnectionUnavailable(id, `${model}_${i}`, Object.assign(new Error("rate limit exceeded"), { status: 429 }));
}
