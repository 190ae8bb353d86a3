import { useAuth } from '../../auth/AuthProvider'
import { useEngagement } from '../engagements/context'
import { Rollforward } from './Rollforward'
import { UploadPanel } from './UploadPanel'
import { Versions } from './Versions'
import './data.css'

/**
 * The engagement's client data: upload a trial balance, general ledger or chart of accounts (with the
 * column mapping checked first), its versions, and the roll-forward of the current ones. Client users
 * upload and see the versions; the roll-forward is the firm's working material (engagement.read).
 */
export function DataPage() {
  const { engagement } = useEngagement()
  const { can } = useAuth()
  const locked = engagement.locked || engagement.status === 'finalized'
  return (
    <div className="data-page">
      {can('data.upload') &&
        (locked ? (
          <div className="notice" role="status">
            The engagement is finalized: no more data can be uploaded.
          </div>
        ) : (
          <UploadPanel engagement={engagement} />
        ))}
      <Versions engagementId={engagement.id} />
      {can('engagement.read') && <Rollforward engagementId={engagement.id} />}
    </div>
  )
}
