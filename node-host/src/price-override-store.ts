// The price override file (`pricing-overrides.json`) for Node: the core's locked
// read-modify-write steps, carried out asynchronously by the Node file host.

import type { PriceOverrideStoreCore } from "./core-api.js";
import { NodeFileHost } from "./node-storage.js";
import type { PriceOverrides, PriceRates } from "./pricing.js";
import { call, drive, toWireArgs, wasm } from "./wasm.js";

export class JsonPriceOverrideStore {
  private readonly core: PriceOverrideStoreCore;
  private readonly host: NodeFileHost;

  constructor(readonly path: string) {
    this.host = new NodeFileHost(path);
    this.core = wasm().PriceOverrideStoreCore.openFile(path);
  }

  private async run<T>(op: string, ...args: unknown[]): Promise<T> {
    const json = toWireArgs(args, "the argument");
    return JSON.parse(await drive<string>(call(() => this.core.operation(op, json)), this.host)) as T;
  }

  /** Every override (a missing file is none; a corrupt one is `PIE_CORRUPT_FILE`). */
  async listPriceOverrides(): Promise<PriceOverrides> {
    return this.run("listPriceOverrides");
  }
  /** Sets (replaces) one override; returns all of them. */
  async setPriceOverride(provider: string, model: string, prices: PriceRates): Promise<PriceOverrides> {
    return this.run("setPriceOverride", provider, model, prices);
  }
  /** Deletes one override, or all of a provider's when `model` is omitted; whether any was. */
  async deletePriceOverride(provider: string, model?: string): Promise<boolean> {
    return this.run("deletePriceOverride", provider, model ?? null);
  }
  /** Deletes every override. */
  async resetPriceOverrides(): Promise<void> {
    await this.run("resetPriceOverrides");
  }
}

export function createJsonPriceOverrideStore(path: string): JsonPriceOverrideStore {
  return new JsonPriceOverrideStore(path);
}
