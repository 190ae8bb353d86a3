import { render, screen } from '@testing-library/react'
import userEvent from '@testing-library/user-event'
import { describe, expect, it, vi } from 'vitest'
import { DataTable, Pager, type Column } from './DataTable'

type Row = { id: string; amount: number }
const rows: Row[] = [
  { id: 'JE-2', amount: 50 },
  { id: 'JE-10', amount: 700 },
  { id: 'JE-1', amount: 300 },
]
const columns: Column<Row>[] = [
  { key: 'id', header: 'Journal', render: (r) => r.id, sortValue: (r) => r.id },
  { key: 'amount', header: 'Amount', render: (r) => r.amount, sortValue: (r) => r.amount, align: 'right' },
]
const firstCells = () => screen.getAllByRole('row').slice(1).map((row) => row.querySelector('td')?.textContent)

describe('DataTable', () => {
  it('sorts naturally by a column, then descending, then back to the original order', async () => {
    render(<DataTable rows={rows} columns={columns} rowKey={(r) => r.id} />)
    const header = screen.getByRole('button', { name: /Journal/ })
    await userEvent.click(header)
    expect(firstCells()).toEqual(['JE-1', 'JE-2', 'JE-10'])
    await userEvent.click(header)
    expect(firstCells()).toEqual(['JE-10', 'JE-2', 'JE-1'])
    await userEvent.click(header)
    expect(firstCells()).toEqual(['JE-2', 'JE-10', 'JE-1'])
  })

  it('moves between rows with the arrow keys and opens one with Enter', async () => {
    const onOpen = vi.fn()
    render(<DataTable rows={rows} columns={columns} rowKey={(r) => r.id} onOpen={onOpen} />)
    await userEvent.tab() // the two sort buttons of the header come first
    await userEvent.tab()
    await userEvent.tab()
    expect(document.activeElement?.textContent).toContain('JE-2')
    await userEvent.keyboard('{ArrowDown}{ArrowDown}{ArrowDown}')
    expect(document.activeElement?.textContent).toContain('JE-1')
    await userEvent.keyboard('{Home}{Enter}')
    expect(onOpen).toHaveBeenCalledWith(rows[0])
  })

  it('says so when there is nothing', () => {
    render(<DataTable rows={[]} columns={columns} rowKey={(r) => r.id} empty="No journals flagged." />)
    expect(screen.getByText('No journals flagged.')).toBeInTheDocument()
  })
})

describe('Pager', () => {
  it('shows the range and disables what cannot be reached', async () => {
    const onChange = vi.fn()
    render(<Pager page={1} pageSize={50} total={120} onChange={onChange} />)
    expect(screen.getByText('1–50 of 120')).toBeInTheDocument()
    expect(screen.getByRole('button', { name: /Previous/ })).toBeDisabled()
    await userEvent.click(screen.getByRole('button', { name: /Next/ }))
    expect(onChange).toHaveBeenCalledWith(2)
  })
})
