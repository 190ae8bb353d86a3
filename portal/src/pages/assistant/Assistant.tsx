import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { useState, type FormEvent } from 'react'
import { api, ok } from '../../api/client'
import { useAuth } from '../../auth/AuthProvider'
import { ErrorMessage, FormProblems } from '../../ui/ErrorMessage'
import { Loading, PageHeader } from '../../ui/States'
import { formatCount, formatDateTime } from '../../ui/format'
import { useEngagement } from '../engagements/context'
import { kindLabel, providerText, questionProblems, segments, type AskResponse, type Citation } from './assistant'
import './assistant.css'

interface Exchange {
  id: number
  question: string
  response: AskResponse
}

const statusKey = (engagementId: string) => ['assistant', engagementId, 'status'] as const

/** Ask the engagement: questions answered from the documents the caller may see, every statement cited. */
export function Assistant() {
  const { engagement } = useEngagement()
  const { isClientUser } = useAuth()
  const queryClient = useQueryClient()
  const path = { engagement_id: engagement.id }
  const [question, setQuestion] = useState('')
  const [problems, setProblems] = useState<string[]>([])
  const [exchanges, setExchanges] = useState<Exchange[]>([])

  const status = useQuery({
    queryKey: statusKey(engagement.id),
    queryFn: () => ok(api.GET('/api/engagements/{engagement_id}/assistant/status', { params: { path } })),
  })
  const ask = useMutation({
    mutationFn: (asked: string) =>
      ok(api.POST('/api/engagements/{engagement_id}/assistant/ask', { params: { path }, body: { question: asked } })),
    onSuccess: (response, asked) => {
      setExchanges((done) => [{ id: done.length + 1, question: asked, response }, ...done])
      setQuestion('')
      void queryClient.invalidateQueries({ queryKey: statusKey(engagement.id) })
    },
  })
  const reindex = useMutation({
    mutationFn: () => ok(api.POST('/api/engagements/{engagement_id}/assistant/index', { params: { path } })),
    onSuccess: (fresh) => queryClient.setQueryData(statusKey(engagement.id), fresh),
  })

  const submit = (event: FormEvent) => {
    event.preventDefault()
    const found = questionProblems(question)
    setProblems(found)
    if (found.length === 0) ask.mutate(question.trim())
  }

  return (
    <div className="assistant-page">
      <PageHeader title="Ask the engagement">
        {!isClientUser && !engagement.locked && (
          <button type="button" disabled={reindex.isPending} onClick={() => reindex.mutate()}>
            {reindex.isPending ? 'Indexing…' : 'Rebuild the index'}
          </button>
        )}
      </PageHeader>
      <section className="panel assistant-status" aria-label="Assistant status">
        {status.isPending ? (
          <Loading label="Loading the assistant's status…" />
        ) : status.isError ? (
          <ErrorMessage error={status.error} title="The assistant's status could not be loaded" />
        ) : (
          <>
            <p>
              <strong>Model:</strong> <span data-testid="provider">{providerText(status.data.provider)}</span>
            </p>
            <p className="small">
              {status.data.indexed_at
                ? `${formatCount(status.data.chunk_count)} passages you may see, indexed ${formatDateTime(status.data.indexed_at)}.`
                : 'Not indexed yet: the first question from the team builds the index.'}
              {status.data.stale && ' Documents changed since; the next question rebuilds the index.'}
            </p>
            {isClientUser && (
              <p className="small">
                Answers draw only on what the audit team shared with you (requests and the files sent against them) and on public
                reference sources.
              </p>
            )}
          </>
        )}
        <ErrorMessage error={reindex.error} title="The index was not rebuilt" />
      </section>
      <form className="panel assistant-ask" aria-label="Ask a question" onSubmit={submit}>
        <label htmlFor="assistant-question">Your question</label>
        <textarea
          id="assistant-question"
          rows={3}
          value={question}
          placeholder="e.g. Why was journal JE-1042 flagged? What did the bank confirm?"
          onChange={(event) => setQuestion(event.target.value)}
        />
        <FormProblems problems={problems} />
        <ErrorMessage error={ask.error} title="The question was not answered" />
        <button type="submit" className="primary" disabled={ask.isPending}>
          {ask.isPending ? 'Asking…' : 'Ask'}
        </button>
      </form>
      {exchanges.map((exchange) => (
        <Answer key={exchange.id} exchange={exchange} />
      ))}
    </div>
  )
}

function Answer({ exchange }: { exchange: Exchange }) {
  const { response } = exchange
  const byNumber = new Map(response.citations.map((c) => [c.number, c]))
  const anchor = (n: number) => `answer-${exchange.id}-source-${n}`
  return (
    <article className="panel assistant-answer" aria-label={`Answer to: ${exchange.question}`}>
      <p className="assistant-question">{exchange.question}</p>
      <p className="assistant-text">
        {segments(response.answer, new Set(byNumber.keys())).map((part, i) =>
          'text' in part ? (
            <span key={i}>{part.text}</span>
          ) : (
            <a key={i} className="cite" href={`#${anchor(part.cite)}`} title={citationTitle(byNumber.get(part.cite)!)}>
              [{part.cite}]
            </a>
          ),
        )}
      </p>
      {response.citations.length === 0 ? (
        <p className="small muted">No passage of the engagement supports an answer.</p>
      ) : (
        <ol className="assistant-citations" aria-label="Sources">
          {response.citations.map((citation) => (
            <li key={citation.number} id={anchor(citation.number)} value={citation.number}>
              <details>
                <summary>
                  <strong>{citation.document}</strong>, {citation.locator} <span className={`badge kind-${citation.kind}`}>{kindLabel(citation.kind)}</span>
                </summary>
                <blockquote>{citation.text}</blockquote>
              </details>
            </li>
          ))}
        </ol>
      )}
      <p className="small muted">Answered by {providerText(response.provider)}.</p>
    </article>
  )
}

function citationTitle(citation: Citation): string {
  return `${citation.document}, ${citation.locator}: ${citation.text}`
}
