// Child process for the request-details crash tests: appends `count` details tagged `tag` to the
// folder, printing each id once its append has resolved (so a killed writer's last record is the
// only one it may lose).
import { createRequestDetailsStore } from "@pie-lab/storage";

const [folder, tag, count, options] = process.argv.slice(2);
const store = createRequestDetailsStore(folder, JSON.parse(options));
const body = "y".repeat(3000); // a few KB per record, so a kill can land inside a write
for (let i = 0; i < Number(count); i++) {
  const id = `${tag}_${i}`;
  await store.recordRequestDetail({
    id,
    requestId: `req_${tag}_${i}`,
    provider: "openai",
    model: "gpt-5",
    status: "success",
    response: { content: body },
  });
  process.stdout.write(`${id}\n`);
}
