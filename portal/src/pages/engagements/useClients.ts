import { useQuery } from '@tanstack/react-query'
import { useMemo } from 'react'
import { api, ok } from '../../api/client'
import type { components } from '../../api/schema'

export type Client = components['schemas']['ClientRead']

/** The largest page the API serves (MAX_PAGE_SIZE in shared/http/pagination.py). */
export const MAX_PAGE_SIZE = 500

/** The firm's clients (a client user: their own), for pickers and name look-ups. */
export function useClients() {
  const query = useQuery({
    queryKey: ['clients', 'all'],
    queryFn: () => ok(api.GET('/api/clients', { params: { query: { page: 1, page_size: MAX_PAGE_SIZE } } })),
    staleTime: 30_000,
  })
  const clients = query.data?.items
  const byId = useMemo(() => new Map((clients ?? []).map((c) => [c.id, c])), [clients])
  return { ...query, clients: clients ?? [], byId }
}
