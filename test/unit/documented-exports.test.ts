import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";

// Every public name is documented, as hnswlib-node's typings are: each exported declaration of
// the shipped code (src/, functions/, infra/) carries a doc comment, and so does each member of
// its exported interfaces and each public member of its exported classes. Exempt: generated
// code; the members of `...Deps` interfaces (what a service is built from: each member is a port
// or service documented at its own type); and the members of classes that implement an interface
// (adapters: the port documents them).

const ROOT = join(import.meta.dirname, "../..");
const GENERATED = new Set(["src/client/api-types.ts"]);

function sourceFiles(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { recursive: true, encoding: "utf8" })
    .filter((f) => f.endsWith(".ts") && !f.endsWith(".d.ts"))
    .map((f) => relative(ROOT, join(ROOT, dir, f)))
    .filter((f) => !GENERATED.has(f));
}

/** Whether a class implements an interface (whose members document its methods). */
function implementsAPort(node: ts.ClassDeclaration): boolean {
  return Boolean(node.heritageClauses?.some((h) => h.token === ts.SyntaxKind.ImplementsKeyword));
}

/** Whether a class member is public API: not a constructor, private, protected or an override. */
function isPublic(member: ts.ClassElement): boolean {
  if (ts.isConstructorDeclaration(member) || ts.isClassStaticBlockDeclaration(member)) return false;
  if (member.name && ts.isPrivateIdentifier(member.name)) return false;
  const hidden = [
    ts.SyntaxKind.PrivateKeyword,
    ts.SyntaxKind.ProtectedKeyword,
    ts.SyntaxKind.OverrideKeyword,
  ];
  const modifiers = ts.canHaveModifiers(member) ? ts.getModifiers(member) : undefined;
  return !modifiers?.some((m) => hidden.includes(m.kind));
}

/**
 * `file:line name` of each exported declaration of `text` without a doc comment; of each member
 * of its exported interfaces but `...Deps` ones (`file:line Interface.member`); and of each
 * public member of its exported classes that implement no interface (`file:line Class.member`).
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
    if (ts.isClassDeclaration(statement) && !implementsAPort(statement)) {
      for (const member of statement.members) {
        if (!isPublic(member) || ts.getJSDocCommentsAndTags(member).length > 0) continue;
        const line = source.getLineAndCharacterOfPosition(member.getStart()).line + 1;
        missing.push(`${file}:${line} ${statement.name?.text}.${member.name?.getText()}`);
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
  it("finds an exported name, interface member or public class member without a doc comment, and passes documented ones", () => {
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
      "/** A class. */",
      "export class G {",
      "  constructor(private readonly h: number) {}",
      "  /** Documented. */",
      "  get i(): number { return this.h; }",
      "  j(): void {}",
      "  private k(): void {}",
      "}",
      "/** A port's adapter: the port documents its members. */",
      "export class L implements C {",
      "  readonly e = 1;",
      "  readonly f = '';",
      "}",
      "/** What a service is built from. */",
      "export interface ServiceDeps {",
      "  readonly catalog: unknown;",
      "}",
    ].join("\n");
    expect(undocumentedExports("x.ts", text)).toEqual([
      "x.ts:4 b",
      "x.ts:8 C.f",
      "x.ts:5 C",
      "x.ts:17 G.j",
    ]);
  });

  it("every exported declaration in src/, functions/ and infra/, every member of their interfaces and every public member of their classes has a doc comment", () => {
    const files = ["src", "functions", "infra"].flatMap(sourceFiles);
    expect(files.length).toBeGreaterThan(200);
    const missing = files.flatMap((f) =>
      undocumentedExports(f, readFileSync(join(ROOT, f), "utf8")),
    );
    expect(missing).toEqual([]);
  });
});
