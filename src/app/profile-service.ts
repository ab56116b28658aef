import pLimit from "p-limit";
import { ForbiddenError, NotFoundError, VectordError } from "../domain/errors";
import type { HnswConfig } from "../domain/hnsw-config";
import type { Profile } from "../domain/profile";
import type { ActivationResult, ActivationService } from "./activation-service";
import type { ProfileRepository } from "./ports";
import type { SearchRequest, SearchResponse, SearchService } from "./search-service";
import type { VectorStore } from "./vector-store";

/** One index's outcome in a profile activation. */
export type ProfileActivation =
  | ({ readonly ok: true } & ActivationResult)
  | {
      readonly ok: false;
      readonly index_name: string;
      readonly error: { code: string; message: string };
    };

export interface ProfileServiceDeps {
  readonly profiles: ProfileRepository;
  readonly vectors: VectorStore;
  readonly activation: ActivationService;
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

  async get(id: string): Promise<Profile> {
    const profile = await this.deps.profiles.get(id);
    if (!profile) throw new NotFoundError("profile_not_found", `profile "${id}" does not exist`);
    return profile;
  }

  /**
   * Activates every index of the profile with its promoted config, else the profile's config
   * (else the built-in default). One index failing does not stop the others.
   */
  async activate(id: string): Promise<{ profile_id: string; results: ProfileActivation[] }> {
    const profile = await this.get(id);
    const limit = pLimit(2);
    const results = await Promise.all(
      profile.indexes.map((name) =>
        limit(async (): Promise<ProfileActivation> => {
          try {
            const result = await this.deps.activation.activate(
              name,
              profile.hnsw_config ?? undefined,
            );
            return { ok: true, ...result };
          } catch (err) {
            if (!(err instanceof VectordError)) throw err;
            return { ok: false, index_name: name, error: { code: err.code, message: err.message } };
          }
        }),
      ),
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
