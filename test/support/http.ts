import { checkResponse } from "./response-shapes";

/** A tiny JSON client for the API under test. */
export interface ApiResponse<T = any> {
  status: number;
  body: T;
  /** Response headers, names lower-case. */
  headers: Record<string, string>;
}

/** `baseUrl` may be a function, for a server that starts after the client is made. */
export function client(baseUrl: string | (() => string)) {
  const call = async <T = any>(
    method: string,
    path: string,
    body?: unknown,
  ): Promise<ApiResponse<T>> => {
    const base = typeof baseUrl === "string" ? baseUrl : baseUrl();
    const res = await fetch(`${base}${path}`, {
      method,
      headers: body === undefined ? {} : { "content-type": "application/json" },
      body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
    });
    const text = await res.text();
    const parsed = text ? JSON.parse(text) : undefined;
    checkResponse(method, new URL(path, "http://x").pathname, res.status, parsed);
    return { status: res.status, body: parsed as T, headers: Object.fromEntries(res.headers) };
  };
  return {
    get: <T = any>(path: string) => call<T>("GET", path),
    put: <T = any>(path: string, body?: unknown) => call<T>("PUT", path, body),
    post: <T = any>(path: string, body?: unknown) => call<T>("POST", path, body),
    delete: <T = any>(path: string) => call<T>("DELETE", path),
  };
}

export type Client = ReturnType<typeof client>;
