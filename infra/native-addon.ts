import { readFileSync } from "node:fs";

/**
 * Checks, at bundling time, that hnswlib-node's compiled addon can load on Lambda: an x86_64
 * Linux ELF whose highest GLIBC / GLIBCXX / CXXABI symbol versions the Node.js runtime's Amazon
 * Linux 2023 provides (glibc 2.34, and GCC 11's libstdc++). An addon compiled on macOS, on arm64
 * or against a newer glibc would only fail on the first graph build in the cloud; this fails the
 * synth instead, saying what was found and what is needed.
 */

/** The newest symbol version of each library that Amazon Linux 2023 provides. */
export const AL2023_SYMBOL_VERSIONS: Readonly<Record<string, string>> = {
  GLIBC: "2.34",
  GLIBCXX: "3.4.29",
  CXXABI: "1.3.13",
};

/** The addon does not fit the Lambda runtime. */
export class NativeAddonError extends Error {
  override readonly name = "NativeAddonError";
}

const ELF_MAGIC = [0x7f, 0x45, 0x4c, 0x46];
const ELFCLASS64 = 2;
const ELFDATA2LSB = 1;
const EM_X86_64 = 62;
const SHT_GNU_VERNEED = 0x6ffffffe;

function describeFormat(bytes: Uint8Array): string {
  const magic = new DataView(bytes.buffer, bytes.byteOffset).getUint32(0, false);
  if ([0xcffaedfe, 0xcefaedfe, 0xfeedfacf, 0xcafebabe].includes(magic)) return "a Mach-O (macOS)";
  if (bytes[0] === 0x4d && bytes[1] === 0x5a) return "a PE (Windows)";
  return "not an ELF";
}

/** Every symbol version the ELF file needs from its libraries (`GLIBC_2.29`, ...). */
export function neededSymbolVersions(bytes: Uint8Array): string[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const shoff = Number(view.getBigUint64(0x28, true));
  const shentsize = view.getUint16(0x3a, true);
  const shnum = view.getUint16(0x3c, true);
  const section = (i: number) => {
    const base = shoff + i * shentsize;
    return {
      type: view.getUint32(base + 4, true),
      offset: Number(view.getBigUint64(base + 0x18, true)),
      link: view.getUint32(base + 0x28, true),
      info: view.getUint32(base + 0x2c, true),
    };
  };
  const cString = (at: number) => {
    let end = at;
    while (bytes[end] !== 0 && end < bytes.length) end++;
    return Buffer.from(bytes.subarray(at, end)).toString("latin1");
  };
  const names: string[] = [];
  for (let i = 0; i < shnum; i++) {
    const verneed = section(i);
    if (verneed.type !== SHT_GNU_VERNEED) continue;
    const strings = section(verneed.link).offset;
    // Elf64_Verneed: vn_version, vn_cnt (u16), vn_file, vn_aux, vn_next (u32); info = entries.
    let entry = verneed.offset;
    for (let n = 0; n < verneed.info; n++) {
      const count = view.getUint16(entry + 2, true);
      let aux = entry + view.getUint32(entry + 8, true);
      // Elf64_Vernaux: vna_hash (u32), vna_flags, vna_other (u16), vna_name, vna_next (u32).
      for (let a = 0; a < count; a++) {
        names.push(cString(strings + view.getUint32(aux + 8, true)));
        aux += view.getUint32(aux + 12, true);
      }
      entry += view.getUint32(entry + 12, true);
    }
  }
  return names;
}

function compareVersions(a: string, b: string): number {
  const pa = a.split(".").map(Number);
  const pb = b.split(".").map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

/** The highest needed version per library family (`{GLIBC: "2.29", GLIBCXX: "3.4.29"}`). */
export function highestVersions(names: readonly string[]): Record<string, string> {
  const highest: Record<string, string> = {};
  for (const name of names) {
    const match = /^([A-Z]+)_(\d+(?:\.\d+)*)$/.exec(name);
    if (!match) continue;
    const [, family, version] = match as unknown as [string, string, string];
    const seen = highest[family];
    if (seen === undefined || compareVersions(version, seen) > 0) highest[family] = version;
  }
  return highest;
}

/** Throws {@link NativeAddonError} unless `bytes` is an addon Lambda's runtime can load. */
export function checkLambdaAddon(bytes: Uint8Array, where: string): Record<string, string> {
  const isElf = ELF_MAGIC.every((b, i) => bytes[i] === b);
  if (!isElf) {
    throw new NativeAddonError(
      `${where} is ${describeFormat(bytes)} binary; Lambda needs an x86_64 Linux ELF. ` +
        "Run `npm ci` and deploy on x86_64 Linux (glibc 2.34 or older), or in a Linux container",
    );
  }
  const machine = new DataView(bytes.buffer, bytes.byteOffset).getUint16(0x12, true);
  if (bytes[4] !== ELFCLASS64 || bytes[5] !== ELFDATA2LSB || machine !== EM_X86_64) {
    throw new NativeAddonError(
      `${where} is an ELF for machine ${machine} (class ${bytes[4]}); Lambda's functions here are ` +
        `x86_64 (machine ${EM_X86_64}). Run \`npm ci\` and deploy on x86_64 Linux`,
    );
  }
  const highest = highestVersions(neededSymbolVersions(bytes));
  const tooNew = Object.entries(AL2023_SYMBOL_VERSIONS).filter(
    ([family, limit]) =>
      highest[family] !== undefined && compareVersions(highest[family], limit) > 0,
  );
  if (tooNew.length > 0) {
    const found = tooNew.map(([family]) => `${family}_${highest[family]}`).join(", ");
    const needed = tooNew.map(([family, limit]) => `${family}_${limit}`).join(", ");
    throw new NativeAddonError(
      `${where} needs ${found}, but Lambda's Amazon Linux 2023 provides at most ${needed}. ` +
        "Compile it (npm ci) on a Linux with glibc 2.34 / GCC 11 or older, e.g. an Amazon Linux 2023 container",
    );
  }
  return highest;
}

/** Reads and checks the addon at `path`. */
export function checkLambdaAddonFile(path: string): Record<string, string> {
  return checkLambdaAddon(new Uint8Array(readFileSync(path)), path);
}
