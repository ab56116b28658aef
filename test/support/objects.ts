import { type _Object, ListObjectsV2Command } from "@aws-sdk/client-s3";
import { createClients } from "../../src/clients";
import type { Settings } from "../../src/settings";

/** Every object stored under `prefix` in the settings' bucket (all pages), sorted by key. */
export async function storedObjects(settings: Settings, prefix = ""): Promise<_Object[]> {
  const { s3 } = createClients(settings);
  const out: _Object[] = [];
  let token: string | undefined;
  do {
    const page = await s3.send(
      new ListObjectsV2Command({
        Bucket: settings.bucket,
        Prefix: prefix,
        ContinuationToken: token,
      }),
    );
    out.push(...(page.Contents ?? []));
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  const key = (o: _Object) => o.Key as string;
  return out.sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
}

/** The keys of the objects stored under `prefix`, sorted. */
export async function storedKeys(settings: Settings, prefix = ""): Promise<string[]> {
  return (await storedObjects(settings, prefix)).map((o) => o.Key as string);
}
