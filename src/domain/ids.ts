import { MAX_ID_LENGTH } from "./metric";

/**
 * Vector ids: 1 to {@link MAX_ID_LENGTH} characters (code points), none of them a control
 * character (C0 U+0000–U+001F, DEL U+007F, C1 U+0080–U+009F) or half of a surrogate pair
 * (unpaired UTF-16 surrogates are not text). Such ids would break log lines and could not be
 * addressed cleanly in a path.
 */
export function idProblem(id: string): string | null {
  if (id.length === 0) return "must not be empty";
  let length = 0;
  for (let i = 0; i < id.length; i++) {
    const unit = id.charCodeAt(i);
    length++;
    if (unit >= 0xd800 && unit <= 0xdbff) {
      const next = id.charCodeAt(i + 1);
      if (!(next >= 0xdc00 && next <= 0xdfff))
        return `holds an unpaired surrogate (U+${hex(unit)}) at character ${length}`;
      i++;
      continue;
    }
    if (unit >= 0xdc00 && unit <= 0xdfff) {
      return `holds an unpaired surrogate (U+${hex(unit)}) at character ${length}`;
    }
    if (unit <= 0x1f || (unit >= 0x7f && unit <= 0x9f)) {
      return `holds a control character (U+${hex(unit)}) at character ${length}; ids may not`;
    }
  }
  if (length > MAX_ID_LENGTH) return `must be at most ${MAX_ID_LENGTH} characters (got ${length})`;
  return null;
}

/**
 * {@link idProblem}, and for an id a write would store, also the ids `.` and `..`: HTTP clients
 * resolve them as dot segments (RFC 3986; WHATWG URLs also decode `%2E`), so a GET or DELETE of
 * `.../vectors/..` would reach the index itself, not the vector. Reads and deletes by id still
 * take them (an id stored before they were refused stays reachable in a body).
 */
export function newIdProblem(id: string): string | null {
  if (id === "." || id === "..") {
    return `"${id}" cannot be addressed in a URL path (clients resolve it as a dot segment, so a GET or DELETE of it would reach another resource); use another id`;
  }
  return idProblem(id);
}

function hex(unit: number): string {
  return unit.toString(16).toUpperCase().padStart(4, "0");
}
