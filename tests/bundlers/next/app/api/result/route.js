// A route handler: Next.js bundles the package's Node entry, file store included, for the server.

import { serverResult } from "../../../src/server-result.js";

export const dynamic = "force-dynamic";

export async function GET() {
  return Response.json(await serverResult());
}
