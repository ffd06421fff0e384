// Helpers of the public types (not exported by the entries): fields of an interface without its
// index signatures, and the fields of an input.

/**
 * The declared fields of `T`, without its index signatures. (`keyof` of a type with
 * `[key: string]: unknown` is `string | number`, so `Omit` or `Partial<Omit<…>>` over it keeps
 * no field: every field would read as `unknown`.) A key is declared when it is a literal:
 * `{}` is assignable to `Record<K, 1>` only for `string` and patterns such as `modelLock_${string}`.
 */
export type DeclaredFields<T> = { [K in keyof T as {} extends Record<K, 1> ? never : K]: T[K] };

/** Fields of an input: all optional, and `undefined` allowed (an update's `undefined` deletes the key). */
export type InputFields<T> = { [K in keyof T]?: T[K] | undefined };

/**
 * `modelLock_<model>` and `modelLock___all`: until when the account is locked for a model (or
 * for every model), an ISO time; `null` once cleared (§6.3, §6.4).
 */
export type ModelLockKey = `modelLock_${string}`;
