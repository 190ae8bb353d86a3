import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { useState, type FormEvent } from 'react'
import { api, ok } from '../../api/client'
import { useAuth } from '../../auth/AuthProvider'
import { ErrorMessage } from '../../ui/ErrorMessage'
import { Loading, PageHeader } from '../../ui/States'
import { formatDateTime } from '../../ui/format'
import './admin.css'

/** The firm's settings: its name (firm.settings may change it), status and when it was set up. */
export function FirmSettings() {
  const { can } = useAuth()
  const queryClient = useQueryClient()
  const firm = useQuery({ queryKey: ['firm'], queryFn: () => ok(api.GET('/api/firm')) })
  const [name, setName] = useState<string | null>(null)
  const save = useMutation({
    mutationFn: (value: string) => ok(api.PATCH('/api/firm', { body: { name: value } })),
    onSuccess: (saved) => {
      queryClient.setQueryData(['firm'], saved)
      void queryClient.invalidateQueries({ queryKey: ['me'] })
      setName(null)
    },
  })
  const mayEdit = can('firm.settings')
  if (firm.isPending) return <Loading label="Reading the firm…" />
  if (firm.isError) return <ErrorMessage error={firm.error} title="The firm cannot be shown" />
  const value = name ?? firm.data.name
  const onSubmit = (event: FormEvent) => {
    event.preventDefault()
    if (value.trim()) save.mutate(value.trim())
  }
  return (
    <section className="admin-page" aria-labelledby="firm-title">
      <PageHeader title={<span id="firm-title">Firm settings</span>} />
      <form className="panel admin-form" onSubmit={onSubmit} aria-label="Firm">
        <label>
          Firm name
          <input value={value} onChange={(e) => setName(e.target.value)} readOnly={!mayEdit} maxLength={200} required />
        </label>
        <dl className="admin-facts">
          <dt>Status</dt>
          <dd>{firm.data.status}</dd>
          <dt>Set up</dt>
          <dd>{formatDateTime(firm.data.created_at)}</dd>
        </dl>
        {mayEdit ? (
          <button type="submit" className="primary" disabled={save.isPending || !value.trim() || value.trim() === firm.data.name}>
            Save
          </button>
        ) : (
          <p className="muted small">Only a firm administrator changes the firm’s settings.</p>
        )}
        {save.isSuccess && <p className="success">Saved.</p>}
        <ErrorMessage error={save.error} title="The settings were not saved" />
      </form>
    </section>
  )
}
