// Type-level assertion helpers shared by the type tests (nothing runs).

/** `true` when `A` and `B` are the same type. */
export type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
/** Compiles only for `true`. */
export type Expect<T extends true> = T;
/** The declared keys of `T`: its literal keys, without index signatures (`string`, `modelLock_${string}`). */
export type DeclaredKeys<T> = keyof { [K in keyof T as {} extends Record<K, 1> ? never : K]: T[K] };
/** The declared keys of `T` that are required. */
export type RequiredKeys<T> = {
  [K in DeclaredKeys<T>]-?: {} extends Pick<T, K> ? never : K;
}[DeclaredKeys<T>];
