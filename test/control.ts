/** Calls a running pinbox's control plane (`/_pinbox`) over HTTP, as a test or `pinbox ctl` would. */
import assert from 'node:assert/strict';

export interface ControlResponse<T = any> {
  status: number;
  body: T;
  headers: Headers;
}

export class ControlClient {
  constructor(
    readonly baseUrl: string,
    readonly adminKey: string,
  ) {}

  async request<T = any>(method: string, path: string, body?: unknown, headers: Record<string, string> = { 'x-pinbox-admin-key': this.adminKey }): Promise<ControlResponse<T>> {
    const response = await fetch(`${this.baseUrl}/_pinbox${path}`, {
      method,
      headers: { ...headers, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    const parsed = text ? JSON.parse(text) : null;
    if (response.status >= 400) {
      assert.equal(typeof parsed?.code, 'number', `control error without a numeric code: ${text}`);
      assert.equal(typeof parsed?.message, 'string', `control error without a message: ${text}`);
    }
    return { status: response.status, body: parsed as T, headers: response.headers };
  }

  /** Like request, but the call must succeed (2xx). */
  async ok<T = any>(method: string, path: string, body?: unknown): Promise<T> {
    const response = await this.request<T>(method, path, body);
    assert.ok(response.status < 300, `${method} /_pinbox${path} answered ${response.status}: ${JSON.stringify(response.body)}`);
    return response.body;
  }
}

/** A raw /v5 call, for answers the checked client refuses to accept (injected 5xx, dropped connections). */
export async function rawApi(baseUrl: string, token: string, method: string, path: string, body?: unknown): Promise<{ status: number; body: any; headers: Headers }> {
  const response = await fetch(`${baseUrl}/v5${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : null, headers: response.headers };
}
