// Type-level tests of the published `.d.ts` (compiled by `tsc -p tests/types` in `npm test`;
// nothing runs). The result types must name exactly the fields the core returns: the expected
// field names come from the conformance vectors, which both suites check against the core's real
// output, so a field the core adds or drops fails the vectors until they follow, and then this
// file until the `.d.ts` follows. A field missing from (or extra in) a type fails here.

import {
  evaluateBudget,
  resolveRoutePlan,
  type BudgetEvaluation,
  type BudgetViolation,
  type BudgetWindow,
  type RoutePlan,
} from "@pie-lab/storage";

import budgetVectors from "../vectors/routing-budget.json" with { type: "json" };
import planVectors from "../vectors/routing-plan.json" with { type: "json" };

/** `true` when `A` and `B` are the same type. */
type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
/** Compiles only for `true`. */
type Expect<T extends true> = T;
/** All keys of every member of a union (keyof a union keeps only the shared ones). */
type KeysOfUnion<T> = T extends unknown ? keyof T : never;

// ---- evaluateBudget: its return type, and every field the core returns ----

type _BudgetReturn = Expect<Equal<ReturnType<typeof evaluateBudget>, BudgetEvaluation>>;

type BudgetExpect = (typeof budgetVectors)["cases"][number]["expect"];
type _BudgetKeys = Expect<Equal<KeysOfUnion<BudgetExpect>, keyof BudgetEvaluation>>;
type _DailyKeys = Expect<Equal<KeysOfUnion<BudgetExpect["daily"]>, keyof BudgetWindow>>;
type _MonthlyKeys = Expect<Equal<KeysOfUnion<BudgetExpect["monthly"]>, keyof BudgetWindow>>;
type _ViolationKeys = Expect<Equal<KeysOfUnion<BudgetExpect["violations"][number]>, keyof BudgetViolation>>;

// Every field is required (the core always writes it, `null` when there is no value).
type _BudgetRequired = Expect<Equal<Required<BudgetEvaluation>, BudgetEvaluation>>;
type _WindowRequired = Expect<Equal<Required<BudgetWindow>, BudgetWindow>>;
type _ViolationRequired = Expect<Equal<Required<BudgetViolation>, BudgetViolation>>;

// The values of the vectors fit the field types (the JSON gives `string` for the unions, so the
// unions are checked against the literal values below instead).
type Widen<T> = T extends string ? string : T extends number ? number : T extends boolean ? boolean : T;
type WidenedWindow = { [K in keyof BudgetWindow]: Widen<BudgetWindow[K]> };
const _windowValues: WidenedWindow = budgetVectors.cases[0].expect.daily;
const _modes: BudgetEvaluation["mode"][] = ["off", "warn", "block"];
const _scopes: BudgetViolation["scope"][] = ["request", "daily", "monthly"];

// Reading a decision the way the server does compiles without casts.
function describe(b: BudgetEvaluation): string {
  const daily: number | null = b.daily.remainingUsd;
  const worst = b.violations.map((v) => `${v.scope}: ${v.message} (${v.projectedUsd} > ${v.limitUsd})`);
  return `${b.mode} ${b.shouldBlock} ${b.monthly.usedPercentage ?? "-"} ${daily ?? "-"} ${worst.join("; ")} ${b.generatedAt}`;
}
void describe;

// ---- resolveRoutePlan ----

type PlanCase = Extract<(typeof planVectors)["cases"][number], { expect: { plan: unknown } }>;
type PlanExpect = PlanCase["expect"]["plan"];
type _PlanKeys = Expect<Equal<KeysOfUnion<PlanExpect>, keyof RoutePlan>>;
type _RouteKeys = Expect<Equal<KeysOfUnion<PlanExpect["routes"][number]>, keyof RoutePlan["routes"][number]>>;
type _PlanReturn = Expect<Equal<ReturnType<typeof resolveRoutePlan>["plan"], RoutePlan>>;

// ---- summarizeUsageByTime and the extra summary groups ----

import {
  createInMemoryUsageStore,
  createJsonlUsageStore,
  summarizeUsageJsonl,
  summarizeUsageJsonlByTime,
  summarizeUsageRecords,
  summarizeUsageRecordsByTime,
  type UsageRecord,
  type UsageSeries,
  type UsageSeriesBucket,
  type UsageSummary,
  type UsageSummaryWithGroups,
} from "@pie-lab/storage";

import seriesVectors from "../vectors/usage-series.json" with { type: "json" };

type SeriesExact = Extract<(typeof seriesVectors)["cases"][number], { expectExact: unknown }>["expectExact"];
type _SeriesKeys = Expect<Equal<keyof SeriesExact, keyof UsageSeries>>;
type _BucketKeys = Expect<Equal<keyof SeriesExact["buckets"][number], keyof UsageSeriesBucket>>;
type GroupKeys = Extract<(typeof seriesVectors)["cases"][number], { op: "summaryGroups"; expectKeys: unknown }>["expectKeys"];
void (null as unknown as GroupKeys satisfies readonly (keyof UsageSummaryWithGroups)[]);

declare const usageRecords: UsageRecord[];
const series: UsageSeries = summarizeUsageRecordsByTime(usageRecords, { provider: "openai" }, { bucket: "week", timeZone: "Europe/Berlin" });
const jsonlSeries: UsageSeries = summarizeUsageJsonlByTime("", {}, { bucket: "hour" });
const streamSeries: Promise<UsageSeries> = summarizeUsageJsonlByTime([new Uint8Array()], undefined, { bucket: "month" });
const storeSeries: Promise<UsageSeries> = createJsonlUsageStore("usage.jsonl").summarizeUsageByTime({}, { bucket: "day" });
const memorySeries: UsageSeries = createInMemoryUsageStore().summarizeUsageByTime();
const plain: UsageSummary = summarizeUsageRecords(usageRecords);
const grouped: UsageSummaryWithGroups = summarizeUsageRecords(usageRecords, { groupBy: ["connection", "apiKey"], top: 10 });
const fromJsonl: UsageSummaryWithGroups = summarizeUsageJsonl("", {}, { groupBy: ["status", "requestedModel"] });
const fromStore: Promise<UsageSummaryWithGroups> = createJsonlUsageStore("usage.jsonl").summarizeUsage({}, { top: 3 });
void [series, jsonlSeries, streamSeries, storeSeries, memorySeries, plain, grouped, fromJsonl, fromStore];
// @ts-expect-error: an unknown bucket size
summarizeUsageRecordsByTime(usageRecords, {}, { bucket: "fortnight" });
// @ts-expect-error: an unknown group
summarizeUsageRecords(usageRecords, { groupBy: ["planet"] });
