import { describe, expect, it } from 'vitest'
import { kindLabel, providerText, questionProblems, segments } from './assistant'

describe('assistant helpers', () => {
  it('splits an answer at the citation marks it has citations for', () => {
    expect(segments('Rent is 9,400.00 [2]. See also [7].', new Set([2]))).toEqual([
      { text: 'Rent is 9,400.00 ' },
      { cite: 2 },
      { text: '. See also [7].' },
    ])
    expect(segments('[1][3]', new Set([1, 3]))).toEqual([{ cite: 1 }, { cite: 3 }])
    expect(segments('No marks', new Set())).toEqual([{ text: 'No marks' }])
  })

  it('names the model that answers', () => {
    expect(providerText('offline')).toBe('Offline model (extractive answers; nothing leaves Aura)')
    expect(providerText('azure-openai:chat')).toBe('Azure OpenAI (deployment chat)')
    expect(providerText('something-else')).toBe('something-else')
  })

  it('names the kinds of passage', () => {
    expect(kindLabel('journal_test')).toBe('Journal entry test')
    expect(kindLabel('source')).toBe('Public source')
  })

  it('refuses a question too short or too long before it is sent', () => {
    expect(questionProblems('  a ')).toEqual(['Write a question of at least 3 characters.'])
    expect(questionProblems('x'.repeat(2001))).toEqual(['The question is 2001 characters long; the limit is 2000.'])
    expect(questionProblems('Why?')).toEqual([])
  })
})
