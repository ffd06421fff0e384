"use client";
// A client component: Next.js bundles the package's browser entry into the page.

import { useEffect } from "react";
import { queryUsageRecords, summarizeUsageJsonl, summarizeUsageRecords } from "@pie-lab/storage";
import { compute, show } from "../src/compute.js";

export default function Page() {
  useEffect(() => {
    show(() => compute({ queryUsageRecords, summarizeUsageJsonl, summarizeUsageRecords }));
  }, []);
  return <pre id="result" />;
}
