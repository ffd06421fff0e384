// A Node server's use of the package (the Node entry with its file store), to bundle for Node.

import { serverResult } from "./server-result.js";

serverResult().then(
  (result) => console.log(JSON.stringify(result)),
  (error) => {
    console.error(error);
    process.exitCode = 1;
  },
);
