import { randomInt } from 'node:crypto';
import { createRequire } from 'node:module';
import formbody from '@fastify/formbody';
import { Ajv, type ValidateFunction } from 'ajv';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance, type FastifyReply, type FastifyRequest, type FastifyServerOptions } from 'fastify';
import { authenticateClient as authenticateApp, type AuthAttempts } from './kernel/auth-attempts.js';
import type { AgentGateway } from './kernel/agent-gateway.js';
import { readBearer, type AuthContext, type ClientAuthenticator, type TokenResolver } from './kernel/auth.js';
import { ApiError } from './kernel/errors.js';
import { FrameworkRefusals, MAX_PARAM_LENGTH, RouteIndex, Surfaces } from './kernel/framework-errors.js';
import { FORM_BODY_OPTIONS, parseJsonBody } from './kernel/http.js';
import type { RateLimits } from './kernel/rate-limits/rate-limits.js';
import type { ApiRoute, RoutePolicy } from './kernel/route-policy.js';
import { requireScopes } from './kernel/scopes.js';

export interface AppDeps {
  tokens: TokenResolver;
  /** Checks app credentials on the `client_basic` routes (the OAuth token endpoints). */
  clients: ClientAuthenticator;
  /** Failed client authentications per client id: too many in a window and the client id is refused with 429 for a while. */
  clientAttempts: AuthAttempts;
  /** Counts every call against its app and user and refuses those over the limit. */
  rateLimits: RateLimits;
  /**
   * Pinterest: `?ad_account_id=` on an organic route makes that ad account's owner
   * the "operation user_account" when the caller holds a role that allows it (a
   * write when `write`); throws 404 or 403 otherwise. Without it, every
   * `ad_account_id` answers 404. `operationId` is the route's, for the roles its area takes.
   */
  operationUser?: (auth: AuthContext, adAccountId: string, write: boolean, operationId: string) => Promise<AuthContext>;
  /** Every `/v5` route, from the family registry. */
  routes: readonly ApiRoute[];
  /** The agent gateway: agent keys, their policies checked on every call, the audit log (src/agents). */
  agents?: AgentGateway;
  /** Routes outside `/v5` (served images and the like); registered as given. */
  extraRoutes?: (app: FastifyInstance) => void;
  /** Installs the control plane (its hooks run before authentication) and its routes under /_pinbox. */
  control?: (app: FastifyInstance) => void;
  logger: FastifyServerOptions['logger'];
  version: string;
  /**
   * How long a request's headers may take to arrive (default 30 s); a body may
   * pause for twice as long, and must arrive within it plus a second for every
   * `bodyMinBytesPerSecond` bytes, before the request is refused with 408.
   */
  requestTimeoutMs?: number;
  /** The slowest average rate a body may arrive at (default 10,000 bytes a second); 0 turns the check off. */
  bodyMinBytesPerSecond?: number;
}

/** Pinterest: base64 images up to 20 MB arrive inflated by a third in JSON. */
const BODY_LIMIT_BYTES = 32 * 1024 * 1024;
/** Headers within 30 s; the body's allowances start from it. */
const REQUEST_TIMEOUT_MS = 30_000;
/**
 * A body slower than 10 kB a second on average is cut: far below any real network
 * (a 2G mobile line carries more), far above what a slowloris client sends to hold
 * connections cheaply. A 2 GB upload at this rate would still be allowed 55 hours.
 */
const BODY_MIN_BYTES_PER_SECOND = 10_000;

/** pino levels at which the request log line is written. */
const LOGS_INFO: ReadonlySet<string> = new Set(['trace', 'debug', 'info']);

/** A route as Fastify registered it under /v5, with the policy the kernel enforces on it. */
export interface RegisteredRoute {
  method: string;
  /** Path under /v5, in Fastify syntax. */
  url: string;
  policy: RoutePolicy | undefined;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    policy?: RoutePolicy;
  }
  interface FastifyInstance {
    /** Every route registered under /v5, read back from Fastify (not from the families' lists). */
    v5Routes: readonly RegisteredRoute[];
    /** How each surface (the API, the OAuth pages, the upload host) writes refusals; surfaces other than the API's add theirs. */
    surfaces: Surfaces;
    /** Closes the app: stops taking connections, lets the answers under way finish, then ends every connection left. */
    closeDrained(): Promise<void>;
  }
}

/**
 * Builds the HTTP app; it never listens by itself.
 * Request lifecycle: onRequest (request id, auth, rate limits, scopes from the route's policy) ->
 * schema validation -> handler (a typed call on the family's service) -> one error
 * handler that writes Pinterest's `{ code, message }`.
 */
export function buildApp(deps: AppDeps): FastifyInstance {
  // Pinterest: x-pinterest-rid is a numeric request id; pinbox counts up from a random start.
  // (A number, not a BigInt: the largest start plus a trillion requests stays below 2^53.)
  let nextRequestId = randomInt(1_000_000_000, 9_000_000_000) * 1_000_000;
  const genReqId = () => String(nextRequestId++);
  const requestTimeoutMs = deps.requestTimeoutMs ?? REQUEST_TIMEOUT_MS;
  // Node's headersTimeout stops counting once the headers are in, and its
  // requestTimeout (Fastify's, left at 0) bounds the whole request, which would cut
  // a large upload on a slow line. So a body that stops arriving is answered by the
  // socket's idle time-out (it restarts with every chunk), and one that trickles in
  // (slowloris) by the minimum rate (FrameworkRefusals.watchBody): a steady upload
  // of any size is cut by neither.
  const idleTimeoutMs = 2 * requestTimeoutMs;
  const surfaces = new Surfaces();
  const routeIndex = new RouteIndex();
  const refusals = new FrameworkRefusals({
    surfaces,
    routes: routeIndex,
    requestId: genReqId,
    version: deps.version,
    requestTimeoutMs,
    idleTimeoutMs,
    bodyMinBytesPerSecond: deps.bodyMinBytesPerSecond ?? BODY_MIN_BYTES_PER_SECOND,
    log: (): FastifyBaseLogger => app.log,
  });
  const app = Fastify({
    logger: deps.logger,
    bodyLimit: BODY_LIMIT_BYTES,
    genReqId,
    // pinbox writes its own one-line request log (below); the request id is bound to
    // every request's logger once, as `rid`.
    logController: new LogController({ requestIdLogLabel: 'rid', disableRequestLogging: true }),
    // Each request's logger is made when the request first logs, not for every call.
    childLoggerFactory: (logger, bindings, options) => new LazyChildLogger(logger, bindings, options) as unknown as FastifyBaseLogger,
    // pinbox brings its own validator compiler (below) and writes its responses
    // itself, so Fastify's default compilers (Ajv with its formats,
    // fast-json-stringify) are not loaded at start-up; a response schema would load
    // the serializer's on first use.
    schemaController: { compilersFactory: { buildValidator: () => noValidatorYet, buildSerializer: fastifySerializerCompiler } },
    // Fastify's 503 while closing is its own body, not Pinterest's shape: a request that
    // still arrives on an open connection during the drain is answered (with
    // `Connection: close`) as any other; the store closes only after the drain.
    return503OnClosing: false,
    forceCloseConnections: false,
    // Refusals below the routes answer in the request's surface's shape, not Fastify's.
    frameworkErrors: refusals.frameworkErrors,
    clientErrorHandler: refusals.clientError,
    routerOptions: { maxParamLength: MAX_PARAM_LENGTH },
    connectionTimeout: idleTimeoutMs,
    http: {
      headersTimeout: requestTimeoutMs,
      // Two Authorization (or Content-Type, ...) headers reach pinbox as one value
      // joined by ", ", which no parser accepts: an ambiguous request is refused,
      // never decided by whichever header Node would have kept.
      joinDuplicateHeaders: true,
      // A missing Host is refused in the API's shape (FrameworkRefusals.checkRequestHead), not Node's empty 400.
      requireHostHeader: false,
      // How often Node checks its time-outs (default 30 s); finer for short ones.
      connectionsCheckingInterval: Math.min(30_000, Math.max(100, Math.floor(requestTimeoutMs / 4))),
    },
  });
  app.decorate('surfaces', surfaces);
  app.addHook('onRoute', routeIndex.onRoute);
  // pinbox is no proxy (CONNECT), and an Expect it cannot meet is refused in the API's shape.
  app.server.on('connect', refusals.onConnect);
  app.server.on('checkExpectation', refusals.onExpectation);
  app.server.on('timeout', refusals.onIdle);

  // Node ends idle keep-alive connections when the server closes, but not one it still
  // counts as busy after a streamed answer (a video served from its file): that one
  // would hold the process until its idle time-out. So closing waits for the answers
  // under way (counted here), then ends whatever connections are left.
  let answering = 0;
  app.server.on('request', (_request, response) => {
    answering++;
    response.once('close', () => answering--);
  });
  app.decorate('closeDrained', async () => {
    const closed = app.close();
    const sweep = setInterval(() => {
      if (answering === 0) app.server.closeAllConnections();
    }, 25);
    try {
      await closed;
    } finally {
      clearInterval(sweep);
    }
  });

  const v5Routes: RegisteredRoute[] = [];
  app.decorate('v5Routes', v5Routes);
  app.addHook('onRoute', (route) => {
    // Fastify adds a HEAD twin of every GET; it shares the GET's policy.
    if (!route.url.startsWith('/v5/') || route.method === 'HEAD') return;
    for (const method of [route.method].flat()) v5Routes.push({ method, url: route.url.slice(3), policy: route.config?.policy });
  });

  // Query strings and paths are text, so their numbers and booleans are coerced; a
  // JSON body is typed already, and a wrong type there is the client's error (400),
  // never silently converted. The route schemas are fixed and tested, so start-up
  // skips checking them against Ajv's meta-schema.
  // Each schema is compiled on its route's first call, not at start-up (see lazyValidator).
  // With schemas unchecked, the meta-schema is not needed either (`meta: false`).
  const ajvOptions = { removeAdditional: false, useDefaults: true, allErrors: false, validateSchema: false, meta: false, strict: false } as const;
  const bodyAjv = new Ajv({ ...ajvOptions, coerceTypes: false });
  const partsAjv = new Ajv({ ...ajvOptions, coerceTypes: 'array' });
  app.setValidatorCompiler(({ schema, httpPart }) => lazyValidator(httpPart === 'body' ? bodyAjv : partsAjv, schema));

  // JSON is the one body the API takes (the OAuth forms and the upload host add their
  // own parsers in their contexts): Fastify's text/plain parser would hand a route a string.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => done(null, parseJsonBody(body as string)));

  deps.control?.(app);

  // Every answer carries Pinterest's request id and API version.
  app.addHook('onRequest', (request, reply, done) => {
    reply.header('x-pinterest-rid', request.id);
    reply.header('pinterest-version', deps.version);
    done();
  });

  /**
   * The kernel's check of one /v5 route (auth, rate limits, scopes), added to that
   * route with its policy at hand (`request.routeOptions` builds an object per read).
   * Written with callbacks, not as an async function: on the hot path (a cached
   * token, counts kept in this process) every step answers at once, and the hook
   * finishes in the same tick with no promise made.
   */
  const admitCall =
    (policy: RoutePolicy) =>
    (request: FastifyRequest, reply: FastifyReply, done: (error?: Error) => void): void => {
      try {
        if (policy.authentication === 'client_basic') {
          authenticateClient(request, reply, policy).then(() => done(), done);
          return;
        }
        const token = readBearer(request.headers.authorization);
        const auth = token ? (deps.agents?.isAgentKey(token) ? deps.agents.resolve(token, request) : resolveToken(policy, token)) : null;
        if (auth instanceof Promise) {
          auth.then((resolved) => admitUser(request, reply, policy, resolved)).then(() => done(), done);
          return;
        }
        const admitted = admitUser(request, reply, policy, auth);
        if (admitted) admitted.then(() => done(), done);
        else done();
      } catch (error) {
        done(error as Error);
      }
    };
  app.decorateRequest('auth', null);
  app.decorateRequest('client', null);

  /** An access token, or on a route that takes others (a conversion token) one of those. */
  function resolveToken(policy: RoutePolicy, token: string): AuthContext | null | Promise<AuthContext | null> {
    const auth = deps.tokens.resolve(token);
    const alternate = policy.alternateTokens;
    if (!alternate) return auth;
    if (auth instanceof Promise) return auth.then((resolved) => resolved ?? alternate.resolve(token));
    return auth ?? alternate.resolve(token);
  }

  async function authenticateClient(request: FastifyRequest, reply: FastifyReply, policy: RoutePolicy): Promise<void> {
    // Pinterest: the token endpoints take the app's id and secret by HTTP Basic only.
    const client = await authenticateApp(request.headers.authorization, reply, deps.clients, deps.clientAttempts);
    request.client = client;
    // No user is signed in on the token endpoints, so the app alone is counted.
    await deps.rateLimits.admit(reply, `${client.appId}:`, client.tier, policy.category);
  }

  /** Counts the call, then checks its scopes and access; a promise only when the count is kept elsewhere (Redis). */
  function admitUser(request: FastifyRequest, reply: FastifyReply, policy: RoutePolicy, auth: AuthContext | null): void | Promise<void> {
    if (!auth) throw new ApiError('authentication_failed');
    // Counted before the scope check: a call refused for its scopes still reached the API.
    const subject = policy.rateSubject ? policy.rateSubject(request, auth) : auth.callerKey;
    const admitted = deps.rateLimits.admit(reply, subject, auth.tier, policy.category);
    if (admitted) return admitted.then(() => authorize(request, policy, auth));
    authorize(request, policy, auth);
  }

  function authorize(request: FastifyRequest, policy: RoutePolicy, auth: AuthContext): void {
    if (auth.agent) {
      // The agent's policy is judged once its request is read (agentCheck); its scopes after it.
      request.auth = auth;
      return;
    }
    requireScopes(auth.scopes, policy.scopes);
    if (policy.trialAccess === 'sandbox_only' && auth.tier === 'trial' && !auth.sandbox) throw new ApiError('trial_in_production');
    request.auth = auth;
  }

  // Pinterest: `ad_account_id` makes the owner of that ad account the "operation
  // user_account" (Business Access); the ads family decides who may name it.
  // Added to each /v5 route (below): other routes never run it.
  const actForAdAccount = (operationId: string) => (request: FastifyRequest, _reply: FastifyReply, done: (error?: Error) => void) => {
    const query = request.query as { ad_account_id?: string } | undefined;
    if (query?.ad_account_id === undefined || !request.auth) return done();
    const accountId = query.ad_account_id;
    if (!deps.operationUser) return done(new ApiError('ad_account_not_found', `Ad account ${accountId} not found.`));
    deps.operationUser(request.auth, accountId, request.method !== 'GET' && request.method !== 'HEAD', operationId).then((acting) => {
      request.auth = acting;
      done();
    }, done);
  };

  /** preHandler: an agent's call is judged by its policy, then by its identity's scopes. */
  const agentCheck =
    (gateway: AgentGateway, policy: RoutePolicy) =>
    (request: FastifyRequest, reply: FastifyReply, done: (error?: Error) => void): void => {
      const auth = request.auth;
      if (!auth?.agent) return done();
      const judged = () => {
        // The gateway answered itself (from its upstream): the handler does not run.
        if (reply.sent) return;
        try {
          requireScopes(auth.scopes, policy.scopes);
        } catch (error) {
          return done(error as Error);
        }
        done();
      };
      let pending: void | Promise<void>;
      try {
        // An allowed read is judged in this tick, with no promise made.
        pending = gateway.check(request, reply, policy);
      } catch (error) {
        return done(error as Error);
      }
      if (pending) pending.then(judged, done);
      else judged();
    };
  type PreHandler = (request: FastifyRequest, reply: FastifyReply, done: (error?: Error) => void) => void;
  /** Runs `first`, then `acting` when `first` let the call through (it never calls back once it answered itself). */
  const thenActing =
    (first: PreHandler, acting: PreHandler): PreHandler =>
    (request, reply, done) =>
      first(request, reply, (error) => (error ? done(error) : acting(request, reply, done)));

  /** onSend, the gateway's one hook after the handler: the answer's code and names, then the audit entry. */
  const agentAnswered = (gateway: AgentGateway) => (request: FastifyRequest, reply: FastifyReply, payload: unknown, done: (error: null, payload: unknown) => void) => {
    done(null, request.auth?.agent ? gateway.answered(request, reply, payload) : payload);
  };

  // The line is made only when it is written: no hook without a logger, none above info.
  if (deps.logger) {
    app.addHook('onResponse', (request, reply, done) => {
      if (LOGS_INFO.has(request.log.level)) {
        request.log.info(
          { method: request.method, url: request.url.split('?')[0], status: reply.statusCode, ms: Math.round(reply.elapsedTime) },
          'request',
        );
      }
      done();
    });
  }

  app.addHook('preParsing', refusals.checkRequestHead);
  app.setErrorHandler(refusals.errorHandler);
  app.setNotFoundHandler(refusals.notFound);

  const register = (scope: FastifyInstance, routes: readonly ApiRoute[]) => {
    for (const route of routes) {
      const { operationId, scopes, category, authentication, bodyFormat, trialAccess, alternateTokens, rateSubject } = route;
      const policy: RoutePolicy = { operationId, scopes, category, authentication, bodyFormat, trialAccess, alternateTokens, rateSubject };
      scope.route({
        method: route.method,
        url: route.url,
        schema: route.schema,
        config: { policy },
        // After the global onRequest hooks (the control plane's faults, the headers above).
        onRequest: admitCall(policy),
        // One preHandler, not two: every /v5 call pays per hook, and most are no agent's.
        preHandler: deps.agents ? thenActing(agentCheck(deps.agents, policy), actForAdAccount(operationId)) : actForAdAccount(operationId),
        ...(deps.agents ? { onSend: agentAnswered(deps.agents) } : {}),
        handler: route.handler,
      });
    }
  };
  app.register(
    async (v5) => {
      register(v5, deps.routes.filter((route) => route.bodyFormat !== 'form'));
      // The OAuth endpoints take form bodies only, as the spec describes them; the
      // parsers registered here stay inside this context.
      await v5.register(async (forms) => {
        forms.removeAllContentTypeParsers();
        await forms.register(formbody, FORM_BODY_OPTIONS);
        register(forms, deps.routes.filter((route) => route.bodyFormat === 'form'));
      });
    },
    { prefix: '/v5' },
  );
  deps.extraRoutes?.(app);
  return app;
}

type LogArgs = Parameters<FastifyBaseLogger['info']>;

/**
 * A request's logger that makes its pino child on the first line it writes.
 * Fastify makes a child per request (to bind the request id); with redaction on,
 * pino's child costs more than the rest of the kernel's hooks, and most requests
 * log nothing above info.
 */
class LazyChildLogger {
  private made: FastifyBaseLogger | null = null;

  constructor(
    private readonly parent: FastifyBaseLogger,
    private readonly bindings: Record<string, unknown>,
    private readonly options: { level?: string },
  ) {}

  private get logger(): FastifyBaseLogger {
    return (this.made ??= this.parent.child(this.bindings, this.options));
  }

  get level(): string {
    return this.made?.level ?? this.options.level ?? this.parent.level;
  }

  set level(level: string) {
    this.logger.level = level;
  }

  fatal(...args: LogArgs): void {
    this.logger.fatal(...args);
  }
  error(...args: LogArgs): void {
    this.logger.error(...args);
  }
  warn(...args: LogArgs): void {
    this.logger.warn(...args);
  }
  info(...args: LogArgs): void {
    this.logger.info(...args);
  }
  debug(...args: LogArgs): void {
    this.logger.debug(...args);
  }
  trace(...args: LogArgs): void {
    this.logger.trace(...args);
  }
  silent(...args: LogArgs): void {
    this.logger.silent(...args);
  }
  child(...args: Parameters<FastifyBaseLogger['child']>): FastifyBaseLogger {
    return this.logger.child(...args);
  }
}

/** Stands until buildApp sets pinbox's validator compiler, before any route is added. */
function noValidatorYet(): never {
  throw new Error('a route schema was compiled before the validator compiler was set');
}

/** Fastify's own serializer compiler, loaded when a route first asks for it. */
type SerializerFactory = NonNullable<NonNullable<NonNullable<FastifyServerOptions['schemaController']>['compilersFactory']>['buildSerializer']>;
const fastifySerializerCompiler: SerializerFactory = (externalSchemas, options) => {
  const requireFromFastify = createRequire(createRequire(import.meta.url).resolve('fastify'));
  const build = requireFromFastify('@fastify/fast-json-stringify-compiler') as () => SerializerFactory;
  return build()(externalSchemas, options);
};

/**
 * A validator that compiles `schema` with `ajv` on its first call: start-up compiles
 * no route schema (that was most of the time between listening and the first
 * answer), and a route pays once, on its first request. Ajv caches by schema, so a
 * schema shared by routes is compiled once.
 */
function lazyValidator(ajv: Ajv, schema: object): ValidateFunction {
  let compiled: ValidateFunction | null = null;
  const validate = ((data: unknown, context?: Parameters<ValidateFunction>[1]) => {
    compiled ??= ajv.compile(schema);
    const valid = compiled(data, context);
    validate.errors = compiled.errors;
    return valid;
  }) as ValidateFunction;
  validate.errors = null;
  // Fastify passes an Ajv validator (one with `schemaEnv`) the part's parent, so that
  // coercion and defaults can replace the part itself; Ajv's own function carries it.
  Object.assign(validate, { schemaEnv: true });
  return validate;
}
