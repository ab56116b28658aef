/** A tiny JSON client for the API under test. */
export interface ApiResponse<T = any> {
  status: number;
  body: T;
}

export function client(baseUrl: string) {
  const call = async <T = any>(
    method: string,
    path: string,
    body?: unknown,
  ): Promise<ApiResponse<T>> => {
    const res = await fetch(`${baseUrl}${path}`, {
      method,
      headers: body === undefined ? {} : { "content-type": "application/json" },
      body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: text ? (JSON.parse(text) as T) : (undefined as T) };
  };
  return {
    get: <T = any>(path: string) => call<T>("GET", path),
    put: <T = any>(path: string, body?: unknown) => call<T>("PUT", path, body),
    post: <T = any>(path: string, body?: unknown) => call<T>("POST", path, body),
    delete: <T = any>(path: string) => call<T>("DELETE", path),
  };
}

export type Client = ReturnType<typeof client>;
