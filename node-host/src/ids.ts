// One id or a list of ids (`excludeConnectionIds`) as it crosses into the core. Its own module so
// every boundary (routing functions, connection stores) can import it without an import cycle.

/**
 * A `Set` (which JSON cannot carry) becomes an array; anything else goes as it is. Reading a
 * string or a list of strings is the core's rule (`js_value::string_or_list`); this is the only
 * conversion on the JavaScript side.
 */
export function idsForCore(ids: unknown): unknown {
  return ids instanceof Set ? [...ids] : ids;
}
