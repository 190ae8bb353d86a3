import { useQuery } from '@tanstack/react-query'
import { Link } from 'react-router'
import { useAuth } from '../../auth/AuthProvider'
import { Loading } from '../../ui/States'
import type { Engagement } from '../engagements/context'
import { figuresOf, loadProgress, pathToFinalization, type Figures } from './progress'
import './home.css'

export const progressKey = (engagementId: string) => ['home', engagementId, 'progress'] as const

/** One engagement's progress, for the caller (the same query the home page uses). */
export function useProgress(engagementId: string, enabled = true) {
  const { me } = useAuth()
  const userId = me?.user.id ?? ''
  return useQuery({ queryKey: progressKey(engagementId), queryFn: () => loadProgress(engagementId, userId), enabled: enabled && !!userId })
}

const shown = (n: number | null) => (n === null ? '—' : n.toLocaleString('en-US'))

export function FigureList({ figures }: { figures: Figures }) {
  return (
    <dl className="home-figures" aria-label="Progress figures">
      <div>
        <dt>Workpapers signed off</dt>
        <dd>
          {shown(figures.workpapersSigned)} / {shown(figures.workpapersTotal)}
        </dd>
      </div>
      <div>
        <dt>Open review notes</dt>
        <dd>{shown(figures.openNotes)}</dd>
      </div>
      <div>
        <dt>Unresolved JE exceptions</dt>
        <dd>{shown(figures.unresolvedExceptions)}</dd>
      </div>
      <div>
        <dt>Data loaded</dt>
        <dd style={{ fontSize: 12 }}>{figures.loadedKinds === null ? '—' : figures.loadedKinds.length ? figures.loadedKinds.map((k) => k.replace(/_/g, ' ')).join(', ') : 'none'}</dd>
      </div>
    </dl>
  )
}

/** The engagement's figures and the path to finalization (on its overview). */
export function EngagementProgress({ engagement }: { engagement: Engagement }) {
  const progress = useProgress(engagement.id)
  if (progress.isPending) return <Loading label="Loading the progress…" />
  if (progress.isError) return <div className="muted small">The progress could not be loaded: {progress.error.message}</div>
  const figures = figuresOf(progress.data)
  const failed = Object.entries(progress.data).filter(([, p]) => !p.ok) as [string, { ok: false; message: string }][]
  return (
    <section className="panel" aria-labelledby="progress-heading">
      <h2 id="progress-heading" style={{ marginTop: 0 }}>
        Progress
      </h2>
      <FigureList figures={figures} />
      <h3>Path to finalization</h3>
      <ol className="home-path" aria-label="Path to finalization">
        {pathToFinalization(engagement, figures).map((step) => (
          <li key={step.label}>
            <span className={step.done ? 'done' : 'todo'} aria-label={step.done ? 'done' : 'to do'}>
              {step.done ? '✓' : '○'}
            </span>
            <Link to={step.to}>{step.label}</Link>
            <span className="muted small">{step.detail}</span>
          </li>
        ))}
      </ol>
      {failed.length > 0 && (
        <div className="muted small">
          Not available: {failed.map(([what, p]) => `${what.replace(/([A-Z])/g, ' $1').toLowerCase()} (${p.message})`).join('; ')}
        </div>
      )}
    </section>
  )
}
