// Child process for the concurrency and crash tests.
//   node connection-worker.mjs create <path> <tag> <count>   creates <count> connections named <tag>_<i>
//   node connection-worker.mjs churn <path>                   updates forever (until killed)
import { createJsonProviderConnectionStore } from "@pie-lab/storage";

const [mode, path, tag, count] = process.argv.slice(2);
const store = createJsonProviderConnectionStore(path);
if (mode === "create") {
  for (let i = 0; i < Number(count); i++) {
    await store.createProviderConnection({ provider: "openai", authType: "apikey", name: `${tag}_${i}`, apiKey: `sk-${tag}-${i}` });
  }
  process.stdout.write("DONE\n");
} else if (mode === "churn") {
  process.stdout.write("READY\n");
  for (let i = 0; ; i++) {
    await store.createProviderConnection({ provider: "p", name: `churn_${i}`, providerSpecificData: { blob: "x".repeat(20000) } });
    await store.updateSettings({ stickyRoundRobinLimit: i });
  }
}
