import { alternativeOf, type Overrides, type Preview } from './mapping'

interface Props {
  preview: Preview
  mapping: Record<string, string | null>
  overrides: Overrides
  missing: readonly string[]
  onChange: (field: string, header: string | null) => void
  disabled?: boolean
}

const NONE = ''

/**
 * Field → header, one select per field, prefilled with the header the preview matched; required
 * fields are marked and, while unmapped, flagged. The first data row's value shows beside each choice.
 */
export function MappingTable({ preview, mapping, overrides, missing, onChange, disabled }: Props) {
  const firstRow = preview.rows[0]?.cells ?? []
  const sampleOf = (header: string | null) => {
    if (!header) return ''
    const index = preview.header.indexOf(header)
    return index >= 0 ? firstRow[index] ?? '' : ''
  }
  const missingSet = new Set(missing)
  return (
    <div className="table-wrap mapping">
      <table className="data-table">
        <thead>
          <tr>
            <th scope="col">Field</th>
            <th scope="col">Header in the file</th>
            <th scope="col">First row</th>
            <th scope="col">Meaning</th>
          </tr>
        </thead>
        <tbody>
          {preview.fields.map((field) => {
            const id = `map-${field.field}`
            const chosen = mapping[field.field]
            const unmappedRequired = missingSet.has(field.field)
            const alternative = field.required ? alternativeOf(preview.fields, field) : null
            const clearedDetected = field.field in overrides && overrides[field.field] === null && field.column
            return (
              <tr key={field.field} className={unmappedRequired ? 'missing' : undefined}>
                <td>
                  <label htmlFor={id} className="field-name">
                    {field.field}
                  </label>
                  {field.required && (
                    <span className="required" title="Required">
                      {' '}
                      required
                    </span>
                  )}
                  {alternative && <div className="muted small">or {alternative}</div>}
                </td>
                <td>
                  <select
                    id={id}
                    value={chosen ?? NONE}
                    disabled={disabled}
                    aria-invalid={unmappedRequired || undefined}
                    aria-describedby={unmappedRequired ? `${id}-missing` : undefined}
                    onChange={(event) => onChange(field.field, event.target.value === NONE ? null : event.target.value)}
                  >
                    <option value={NONE}>—</option>
                    {preview.header.map((header) => (
                      <option key={header} value={header}>
                        {header}
                      </option>
                    ))}
                  </select>
                  {unmappedRequired && (
                    <span id={`${id}-missing`} className="missing-text small">
                      {' '}
                      not mapped
                    </span>
                  )}
                  {clearedDetected && (
                    <div className="muted small">“{field.column}” still matches by its name; rename it in the file to leave it out.</div>
                  )}
                </td>
                <td className="muted">{sampleOf(chosen)}</td>
                <td className="muted small">{field.description}</td>
              </tr>
            )
          })}
        </tbody>
      </table>
    </div>
  )
}
