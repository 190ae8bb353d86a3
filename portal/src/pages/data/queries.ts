/** The Data tab's API calls and react-query keys. */
import { useQuery, type QueryClient } from '@tanstack/react-query'
import { api, ok } from '../../api/client'
import type { components } from '../../api/schema'
import { contentTypeOf, previewPart, readBytes, type DatasetKind, type Preview } from './mapping'

export type Dataset = components['schemas']['DatasetRead']
export type Job = components['schemas']['JobRead']
export type Accepted = components['schemas']['functions__ingestion__schemas__Accepted']
export type Rollforward = components['schemas']['RollforwardRead']
export type RollforwardRow = components['schemas']['RollforwardRow']

/** A problem the load reports (dataset.error.details.problems, and the preview's sample problems). */
export interface FileProblem {
  row: number | null
  column: string | null
  value: string | null
  reason: string
}

/** A warning of a loaded dataset (dataset.warnings). */
export interface FileWarning {
  code: string
  message: string
  count: number
  rows: number[]
}

export const dataKeys = {
  datasets: (engagementId: string) => ['engagement', engagementId, 'datasets'] as const,
  datasetList: (engagementId: string, kind: string, page: number) => ['engagement', engagementId, 'datasets', 'list', kind, page] as const,
  dataset: (engagementId: string, datasetId: string) => ['engagement', engagementId, 'datasets', 'one', datasetId] as const,
  rollforward: (engagementId: string) => ['engagement', engagementId, 'rollforward'] as const,
  team: (engagementId: string) => ['engagement', engagementId, 'team'] as const,
  job: (jobId: string) => ['job', jobId] as const,
}

/** After a load: the versions, the current datasets and the roll-forward all change. */
export function invalidateData(queryClient: QueryClient, engagementId: string): void {
  void queryClient.invalidateQueries({ queryKey: dataKeys.datasets(engagementId) })
  void queryClient.invalidateQueries({ queryKey: dataKeys.rollforward(engagementId) })
  void queryClient.invalidateQueries({ queryKey: ['engagement', engagementId, 'activity'] })
}

export interface PreviewRequest {
  kind: DatasetKind
  sheet?: string
  dateOrder?: 'dmy' | 'mdy'
}

/** POST the beginning of the file (a CSV's first 256 KB, a workbook or XML whole) to the preview. */
export async function previewFile(engagementId: string, file: File, request: PreviewRequest): Promise<Preview> {
  const bytes = await readBytes(previewPart(file))
  return ok(
    api.POST('/api/engagements/{engagement_id}/datasets/preview', {
      params: {
        path: { engagement_id: engagementId },
        query: { kind: request.kind, sheet: request.sheet || undefined, date_order: request.dateOrder || undefined },
      },
      // The raw bytes, as the upload sends them: the generated type only knows the body as text.
      body: bytes as unknown as string,
      bodySerializer: (body: unknown) => body as BodyInit,
      headers: { 'Content-Type': contentTypeOf(file) },
    }),
  )
}

export function useDataset(engagementId: string, datasetId: string | null, options: { poll?: boolean } = {}) {
  return useQuery({
    queryKey: dataKeys.dataset(engagementId, datasetId ?? ''),
    queryFn: () =>
      ok(
        api.GET('/api/engagements/{engagement_id}/datasets/{dataset_id}', {
          params: { path: { engagement_id: engagementId, dataset_id: datasetId ?? '' } },
        }),
      ),
    enabled: !!datasetId,
    refetchInterval: (query) => (options.poll && query.state.data?.status === 'queued' ? 1500 : false),
  })
}

export const JOB_POLL_MS = 700

/** A job, asked again about every 700 ms until it has succeeded or failed. */
export function useJob(jobId: string | null) {
  return useQuery({
    queryKey: dataKeys.job(jobId ?? ''),
    queryFn: () => ok(api.GET('/api/jobs/{job_id}', { params: { path: { job_id: jobId ?? '' } } })),
    enabled: !!jobId,
    refetchInterval: (query) => {
      const status = query.state.data?.status
      return status === 'succeeded' || status === 'failed' ? false : JOB_POLL_MS
    },
  })
}

/** Names of the engagement's team, for "uploaded by" (client users cannot read the team: ids stay short). */
export function useTeamNames(engagementId: string, enabled: boolean) {
  const query = useQuery({
    queryKey: dataKeys.team(engagementId),
    queryFn: () => ok(api.GET('/api/engagements/{engagement_id}/team', { params: { path: { engagement_id: engagementId } } })),
    enabled,
    staleTime: 60_000,
  })
  const byId = new Map((query.data?.members ?? []).map((m) => [m.user_id, m.display_name || m.email]))
  return (userId: string | null | undefined, myId?: string): string => {
    if (!userId) return ''
    if (userId === myId) return 'you'
    return byId.get(userId) ?? 'a former user'
  }
}

export function problemsOf(dataset: Dataset | undefined): { problems: FileProblem[]; count: number; code: string | null; message: string | null } {
  const error = (dataset?.error ?? null) as { code?: string; message?: string; details?: { problems?: FileProblem[]; problem_count?: number } } | null
  const problems = error?.details?.problems ?? []
  return { problems, count: error?.details?.problem_count ?? problems.length, code: error?.code ?? null, message: error?.message ?? null }
}

export function warningsOf(dataset: Dataset | undefined): FileWarning[] {
  return (dataset?.warnings ?? []) as unknown as FileWarning[]
}
