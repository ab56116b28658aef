import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";

// Every public name is documented, as hnswlib-node's typings are: each exported declaration of
// the shipped code (src/, functions/, infra/) carries a doc comment, and so does each member of
// its exported interfaces. Exempt: generated code, and the members of `...Deps` interfaces (what
// a service is built from: each member is a port or service documented at its own type).

const ROOT = join(import.meta.dirname, "../..");
const GENERATED = new Set(["src/client/api-types.ts"]);

function sourceFiles(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { recursive: true, encoding: "utf8" })
    .filter((f) => f.endsWith(".ts") && !f.endsWith(".d.ts"))
    .map((f) => relative(ROOT, join(ROOT, dir, f)))
    .filter((f) => !GENERATED.has(f));
}

/**
 * `file:line name` of each exported declaration of `text` without a doc comment, and of each
 * member of its exported interfaces but `...Deps` ones (`file:line Interface.member`).
 */
function undocumentedExports(file: string, text: string): string[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const missing: string[] = [];
  for (const statement of source.statements) {
    const modifiers = ts.canHaveModifiers(statement) ? ts.getModifiers(statement) : undefined;
    if (!modifiers?.some((m) => m.kind === ts.SyntaxKind.ExportKeyword)) continue;
    if (ts.isInterfaceDeclaration(statement) && !statement.name.text.endsWith("Deps")) {
      for (const member of statement.members) {
        if (ts.getJSDocCommentsAndTags(member).length > 0) continue;
        const line = source.getLineAndCharacterOfPosition(member.getStart()).line + 1;
        missing.push(
          `${file}:${line} ${statement.name.text}.${member.name?.getText() ?? "(call)"}`,
        );
      }
    }
    if (ts.getJSDocCommentsAndTags(statement).length > 0) continue;
    const line = source.getLineAndCharacterOfPosition(statement.getStart()).line + 1;
    const named = statement as { name?: ts.Node };
    const name = named.name
      ? named.name.getText()
      : ts.isVariableStatement(statement)
        ? statement.declarationList.declarations.map((d) => d.name.getText()).join(", ")
        : "(unnamed)";
    missing.push(`${file}:${line} ${name}`);
  }
  return missing;
}

describe("documented exports", () => {
  it("finds an exported name or interface member without a doc comment, and passes documented ones", () => {
    const text = [
      "/** Documented. */",
      "export function a() {}",
      "// A line comment is not a doc comment.",
      "export const b = 1;",
      "export interface C {",
      "  /** Documented. */",
      "  readonly e: number;",
      "  readonly f: string;",
      "}",
      "function d() {}",
      "export { d };",
      "/** What a service is built from. */",
      "export interface ServiceDeps {",
      "  readonly catalog: unknown;",
      "}",
    ].join("\n");
    expect(undocumentedExports("x.ts", text)).toEqual(["x.ts:4 b", "x.ts:8 C.f", "x.ts:5 C"]);
  });

  it("every exported declaration in src/, functions/ and infra/, and every member of their interfaces, has a doc comment", () => {
    const files = ["src", "functions", "infra"].flatMap(sourceFiles);
    expect(files.length).toBeGreaterThan(200);
    const missing = files.flatMap((f) =>
      undocumentedExports(f, readFileSync(join(ROOT, f), "utf8")),
    );
    expect(missing).toEqual([]);
  });
});
