import { describe, expect, it } from "vitest";
import { LOST_RACE } from "../../src/app/ports";
import { retryLostRaces } from "../../src/app/retry";
import { isTransient } from "../../src/app/transient";
import { ContentionError, ValidationError } from "../../src/domain/errors";
import { TRANSIENT_ERROR, taskHandler } from "../../src/http/task-handler";

const fast = { maxAttempts: 5, baseDelayMs: 1, maxDelayMs: 2 };

describe("retryLostRaces", () => {
  it("retries lost races until a write lands", async () => {
    let attempts = 0;
    const result = await retryLostRaces(
      "write",
      async (n) => {
        attempts++;
        return n < 3 ? LOST_RACE : "written";
      },
      fast,
    );
    expect(result).toBe("written");
    expect(attempts).toBe(4);
  });

  it("gives up with a ContentionError after maxAttempts, and passes other errors through at once", async () => {
    await expect(retryLostRaces("write x", async () => LOST_RACE, fast)).rejects.toThrow(
      ContentionError,
    );
    await expect(retryLostRaces("write x", async () => LOST_RACE, fast)).rejects.toThrow(
      "write x: lost 5 races to concurrent writers; nothing was written, retry later",
    );
    let attempts = 0;
    await expect(
      retryLostRaces(
        "write",
        async () => {
          attempts++;
          throw new ValidationError("bad");
        },
        fast,
      ),
    ).rejects.toThrow("bad");
    expect(attempts).toBe(1);
  });
});

describe("task handlers", () => {
  it("classify throttling, server faults and network errors as transient, and nothing else", () => {
    expect(isTransient({ name: "ThrottlingException" })).toBe(true);
    expect(isTransient({ name: "Whatever", $fault: "server" })).toBe(true);
    expect(isTransient({ name: "X", $retryable: { throttling: true } })).toBe(true);
    expect(isTransient({ code: "ECONNRESET" })).toBe(true);
    expect(isTransient(new ValidationError("bad"))).toBe(false);
    expect(isTransient({ name: "ConditionalCheckFailedException", $fault: "client" })).toBe(false);
    expect(isTransient(null)).toBe(false);
  });

  it("rename transient failures for the state's Retry, and keep other errors' names for Catch", async () => {
    const throttled = taskHandler("T", async () => {
      throw Object.assign(new Error("slow down"), { name: "ThrottlingException" });
    });
    await expect(throttled({})).rejects.toMatchObject({
      name: TRANSIENT_ERROR,
      message: "slow down",
    });
    const refused = taskHandler("T", async () => {
      throw new ValidationError("bad grid");
    });
    await expect(refused({})).rejects.toMatchObject({ name: "ValidationError" });
    expect(await taskHandler("T", async (x: number) => x + 1)(1)).toBe(2);
  });
});
