import { type ClientOptions, type VectordClient, vectordClient } from "../client/client";
import { CliError, EXIT } from "./output";

/** What an openapi-fetch call resolves to. */
interface Answer {
  readonly data?: unknown;
  readonly error?: unknown;
  readonly response: Response;
}

/**
 * The API as the CLI calls it: the typed client, and `call` to turn an answer into its body or a
 * {@link CliError} (4xx: refused, with the service's message; 5xx and network: unavailable).
 */
export class Api {
  /** The typed API client. */
  readonly client: VectordClient;

  constructor(readonly options: ClientOptions & { endpoint: string }) {
    this.client = vectordClient(options);
  }

  /**
   * The body of `request`'s answer, or a `CliError` (4xx: refused; 5xx and network: unavailable).
   */
  async call<T>(request: Promise<Answer>): Promise<T> {
    let answer: Answer;
    try {
      answer = await request;
    } catch (err) {
      const cause = (err as { cause?: { code?: string } }).cause?.code;
      throw new CliError(
        `cannot reach ${this.options.endpoint}: ${cause ?? (err as Error).message}` +
          (cause === "ECONNREFUSED" ? " (is the local stack running? npm start)" : ""),
        EXIT.unavailable,
      );
    }
    const { response } = answer;
    if (response.ok) return answer.data as T;
    const error = (answer.error as { error?: { code?: string; message?: string } } | undefined)
      ?.error;
    const message = `${response.status} ${error?.code ?? response.statusText}: ${error?.message ?? "no message"}`;
    throw new CliError(
      message,
      response.status >= 500 || response.status === 429 ? EXIT.unavailable : EXIT.refused,
      error?.code,
    );
  }

  /** Each page of a listing, in order: `page(token)` asks for one, following `next_token`. */
  async *pages<P extends { next_token?: string }>(
    page: (next_token: string | undefined) => Promise<Answer>,
  ): AsyncGenerator<P> {
    let token: string | undefined;
    do {
      const got = await this.call<P>(page(token));
      yield got;
      token = got.next_token;
    } while (token);
  }
}
