// Child process: clears one model's error on one connection `count` times (a race probe).
import { createJsonProviderConnectionStore } from "@pie-lab/storage";

const [path, id, model, count] = process.argv.slice(2);
const store = createJsonProviderConnectionStore(path);
for (let i = 0; i < Number(count); i++) await store.clearProviderConnectionError(id, model);
