import type { ActiveGeneration, IdDirectoryRef, IndexRecord } from "../domain/index-record";
import type { MaintenanceSettings } from "../domain/maintenance";
import type { ItemChange } from "./dynamo-index-items";

// The UpdateItem requests that move an index item's pointers (the active generation, the id
// directory) and set its maintenance settings, built from the record they apply to. Plain data:
// the catalog sends them through `IndexItems.update`, which adds the incarnation's condition.

const NEVER_ACTIVATED = "attribute_not_exists(#active)";
const SAME_ACTIVE_GENERATION = "#active.#generation = :expected_generation";
const NO_ID_DIRECTORY = "attribute_not_exists(#id_directory)";
const SAME_ID_DIRECTORY = "#id_directory.#key = :previous";

/**
 * Points the item at `active`: only if the active generation is still the one `current` holds
 * (or there is none, when `current` has none). Newest data wins: a flip never replaces a
 * generation it did not see.
 */
export function activeUpdate(current: IndexRecord, active: ActiveGeneration): ItemChange {
  const expected = current.active?.generation;
  return {
    UpdateExpression: "SET #active = :active",
    ConditionExpression: expected === undefined ? NEVER_ACTIVATED : SAME_ACTIVE_GENERATION,
    ExpressionAttributeNames: {
      "#active": "active",
      ...(expected === undefined ? {} : { "#generation": "generation" }),
    },
    ExpressionAttributeValues: {
      ":active": active,
      ...(expected === undefined ? {} : { ":expected_generation": expected }),
    },
  };
}

/**
 * Points the item at `directory`, or removes the pointer (`null`): only if the item still names
 * the directory `current` names (or none, when `current` names none).
 */
export function idDirectoryUpdate(
  current: IndexRecord,
  directory: IdDirectoryRef | null,
): ItemChange {
  const previous = current.idDirectory;
  return {
    UpdateExpression: directory ? "SET #id_directory = :directory" : "REMOVE #id_directory",
    ConditionExpression: previous ? SAME_ID_DIRECTORY : NO_ID_DIRECTORY,
    ExpressionAttributeNames: {
      "#id_directory": "id_directory",
      ...(previous ? { "#key": "key" } : {}),
    },
    ExpressionAttributeValues: {
      ...(directory ? { ":directory": directory } : {}),
      ...(previous ? { ":previous": previous.key } : {}),
    },
  };
}

/** Replaces the item's maintenance settings with `maintenance`, on no condition of its own. */
export function maintenanceUpdate(maintenance: Partial<MaintenanceSettings>): ItemChange {
  return {
    UpdateExpression: "SET #maintenance = :maintenance",
    ExpressionAttributeNames: { "#maintenance": "maintenance" },
    ExpressionAttributeValues: { ":maintenance": maintenance },
  };
}
