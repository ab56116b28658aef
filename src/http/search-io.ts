import type { SearchRequest, SearchResponse } from "../app/search-service";
import type { Filter } from "../domain/filter";

/** A search body as the edge validated it (`searchBody` or `profileSearchBody`). */
export interface SearchBody {
  readonly vector?: number[] | undefined;
  readonly queries?: number[][] | undefined;
  readonly k?: number | undefined;
  readonly ef_search?: number | undefined;
  readonly exact?: boolean | undefined;
  readonly filter?: Filter | undefined;
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
