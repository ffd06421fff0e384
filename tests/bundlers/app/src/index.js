// The browser app: the package's default import, which a bundler resolves to the browser entry.

import { queryUsageRecords, summarizeUsageJsonl, summarizeUsageRecords } from "@pie-lab/storage";
import { compute, show } from "./compute.js";

show(() => compute({ queryUsageRecords, summarizeUsageJsonl, summarizeUsageRecords }));
