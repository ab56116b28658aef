import { ForbiddenError, NotFoundError, VectordError } from "../domain/errors";
import type { HnswConfig } from "../domain/hnsw-config";
import type { Profile } from "../domain/profile";
import type { ActivationJobs, ActivationView } from "./activation-jobs";
import type { ActivationResult } from "./activation-service";
import type { ProfileRepository } from "./ports";
import type { SearchRequest, SearchResponse, SearchService } from "./search-service";
import type { VectorStore } from "./vector-store";

/**
 * One index's outcome in a profile activation: `ok` once its activation SUCCEEDED; FAILED with
 * the error (no `activation_id` when it was refused before starting); RUNNING when it had not
 * ended by the time the request stopped waiting (poll its activation).
 */
export type ProfileActivation =
  | ({
      readonly ok: true;
      readonly status: "SUCCEEDED";
      readonly activation_id: string;
    } & ActivationResult)
  | {
      readonly ok: false;
      readonly status: "FAILED";
      readonly index_name: string;
      readonly activation_id?: string;
      readonly error: { code: string; message: string };
    }
  | {
      readonly ok: false;
      readonly status: "RUNNING";
      readonly index_name: string;
      readonly activation_id: string;
    };

/**
 * The ports and services {@link ProfileService} is built from; `now` defaults to the wall clock.
 */
export interface ProfileServiceDeps {
  readonly profiles: ProfileRepository;
  readonly vectors: VectorStore;
  readonly activations: ActivationJobs;
  readonly search: SearchService;
  readonly now?: () => Date;
}

/** Search profiles: a named set of indexes, activated together and searched through. */
export class ProfileService {
  private readonly deps: ProfileServiceDeps;
  private readonly now: () => Date;

  constructor(deps: ProfileServiceDeps) {
    this.deps = deps;
    this.now = deps.now ?? (() => new Date());
  }

  /** Creates or replaces a profile; every index it names must exist. */
  async put(
    id: string,
    request: { indexes: readonly string[]; hnswConfig?: HnswConfig | undefined },
  ): Promise<Profile> {
    const indexes = [...new Set(request.indexes)];
    await Promise.all(indexes.map((name) => this.deps.vectors.getIndex(name)));
    const existing = await this.deps.profiles.get(id);
    const now = this.now().toISOString();
    const profile: Profile = {
      id,
      indexes,
      hnsw_config: request.hnswConfig ?? null,
      created_at: existing?.created_at ?? now,
      updated_at: now,
    };
    await this.deps.profiles.put(profile);
    return profile;
  }

  /** A profile; `profile_not_found` when there is none. */
  async get(id: string): Promise<Profile> {
    const profile = await this.deps.profiles.get(id);
    if (!profile) throw profileNotFound(id);
    return profile;
  }

  /**
   * Deletes a profile; `profile_not_found` when there is none. Its indexes, their generations and
   * activations are left as they are: a profile only names them.
   */
  async delete(id: string): Promise<void> {
    if (!(await this.deps.profiles.delete(id))) {
      throw profileNotFound(id);
    }
  }

  /**
   * Activates every index of the profile with its promoted config, else the profile's config
   * (else the built-in default): one activation task each, all at once; waits up to `waitMs` for
   * them to end. One index failing does not stop the others.
   */
  async activate(
    id: string,
    waitMs: number,
  ): Promise<{ profile_id: string; results: ProfileActivation[] }> {
    const profile = await this.get(id);
    const config = profile.hnsw_config ?? undefined;
    const results = await Promise.all(
      profile.indexes.map(async (name): Promise<ProfileActivation> => {
        try {
          return outcomeOf(await this.deps.activations.activate(name, config, waitMs));
        } catch (err) {
          if (!(err instanceof VectordError)) throw err;
          const error = { code: err.code, message: err.message };
          return { ok: false, status: "FAILED", index_name: name, error };
        }
      }),
    );
    return { profile_id: id, results };
  }

  /** Searches one index of the profile; an index outside it is refused. */
  async search(id: string, indexName: string, request: SearchRequest): Promise<SearchResponse> {
    const profile = await this.get(id);
    if (!profile.indexes.includes(indexName)) {
      throw new ForbiddenError(
        "index_not_in_profile",
        `index "${indexName}" is not in profile "${id}" (it has: ${profile.indexes.join(", ")})`,
      );
    }
    return this.deps.search.search(indexName, request);
  }
}

/** A profile's report of one index's activation, as it stood when the request stopped waiting. */
function outcomeOf(job: ActivationView): ProfileActivation {
  const { index_name, activation_id } = job;
  if (job.status === "RUNNING") return { ok: false, status: "RUNNING", index_name, activation_id };
  if (job.status === "SUCCEEDED" && job.result) {
    return { ok: true, status: "SUCCEEDED", activation_id, ...job.result };
  }
  const error = job.error ?? { code: "activation_failed", message: "no error was recorded" };
  return {
    ok: false,
    status: "FAILED",
    index_name,
    activation_id,
    error: { code: error.code, message: error.message },
  };
}

function profileNotFound(id: string): NotFoundError {
  return new NotFoundError("profile_not_found", `profile "${id}" does not exist`);
}
