import assert from 'node:assert/strict';
import type { ConnectionTestReport } from '../../src/core';
import { DraftTests } from '../../src/panel/draftTests';

const passed: ConnectionTestReport = {
  ok: true,
  stages: [{ stage: 'connect', status: 'pass', message: 'Reached.', ms: 12 }],
};
const draft = {
  template: 'openai',
  baseUrl: 'https://gateway.example.test/v1',
  apiKey: 'sk-proj-draft0123456789abcdef',
};

describe("the wizard's draft test, as the panel host keeps it for the save", () => {
  it('is handed to the save of exactly the draft it tested, once, with when it ran', () => {
    const drafts = new DraftTests(() => 1_000);
    drafts.remember(draft, passed);
    assert.deepEqual(drafts.take({ ...draft, apiKey: ` ${draft.apiKey} ` }), { report: passed, at: 1_000 });
    assert.equal(drafts.take(draft), undefined, 'a second save was not the one tested');
  });

  it('is not handed to a draft with another key, base URL or template', () => {
    const drafts = new DraftTests();
    for (const other of [
      { ...draft, apiKey: 'sk-proj-other0123456789abcdef' },
      { template: draft.template, baseUrl: draft.baseUrl },
      { ...draft, baseUrl: 'https://api.openai.com/v1' },
      { ...draft, template: 'groq' },
    ]) {
      drafts.remember(draft, passed);
      assert.equal(drafts.take(other), undefined, JSON.stringify(other));
    }
  });
});
