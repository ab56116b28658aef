import type { SearchRequest, SearchResponse } from "../app/search-service";
import type { Filter } from "../domain/filter";

/** A search body as the edge validated it (`searchBody` or `profileSearchBody`). */
export interface SearchBody {
  /** One query. */
  readonly vector?: number[] | undefined;
  /** A batch of 1..100 queries (instead of `vector`). */
  readonly queries?: number[][] | undefined;
  /** Neighbors per query (default 10). */
  readonly k?: number | undefined;
  /** Overrides the active config's ef_search. */
  readonly ef_search?: number | undefined;
  /** Scan exactly even with an active graph. */
  readonly exact?: boolean | undefined;
  /** A metadata filter (Pinecone's syntax). */
  readonly filter?: Filter | undefined;
  /** `strong` (default: read-your-writes) or `eventual`. */
  readonly consistency?: "strong" | "eventual" | undefined;
}

/** The use case's request for a validated body. */
export function searchRequestOf(body: SearchBody): SearchRequest {
  return {
    queries: body.queries ?? [body.vector as number[]],
    k: body.k,
    efSearch: body.ef_search,
    exact: body.exact,
    filter: body.filter,
    consistency: body.consistency,
  };
}

/** The response body: `results` is one hit list for `vector`, or one list per query. */
export function searchResponseFor(body: SearchBody, response: SearchResponse) {
  return body.queries ? response : { ...response, results: response.results[0] ?? [] };
}
