/**
 * The typed client for routes the generated schema does not hold yet (the QC and reporting endpoints
 * are being added to the API): the same client, middleware and token, without the path types. Once
 * `make portal-api` has the routes, callers switch to `api` and this goes.
 */
import { api } from '../../api/client'

type Result = { data?: unknown; error?: unknown; response: Response }
type Init = { params?: { path?: Record<string, string>; query?: Record<string, unknown> }; body?: unknown }
type Call = (path: string, init?: Init) => Promise<Result>

export const untyped = api as unknown as { GET: Call; POST: Call; DELETE: Call }
