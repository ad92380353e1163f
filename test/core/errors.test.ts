// The one error family and the one user-message function: every input error, from any layer, is an InputError;
// it keeps its class across an engine thread or the queue; and the generic answer is written in one place.
import { describe, expect, it } from 'vitest';
import { EngineInputError, ImageInputError, InputError, reviveError } from '../../src/engine/errors.js';
import { JobFailure, somethingWentWrong, UserError, userMessageOf } from '../../src/core/errors.js';
import { CancelledError } from '../../src/core/jobs.js';
import { StoreWriteError } from '../../src/core/stores.js';
import { errorFromWire, errorToWire } from '../../src/engine/threads/protocol.js';
import { errorFromReason, errorToReason } from '../../src/core/queue/codec.js';
import { CliInputError } from '../../src/cli/input.js';
import { BodyTooLarge } from '../../src/platforms/playground/uploads.js';

describe('the error family', () => {
  const inputs = [
    new EngineInputError('e'),
    new ImageInputError('i'),
    new UserError('u'),
    new CancelledError(),
    new StoreWriteError(),
    new CliInputError('c'),
    new BodyTooLarge('b'),
  ];

  it('has one root, and every class is named after itself', () => {
    for (const e of inputs) {
      expect(e).toBeInstanceOf(InputError);
      expect(e.name).toBe(e.constructor.name);
    }
  });

  it('says an input error in its own words and nothing of an internal one', () => {
    expect(userMessageOf(new UserError('Give a name.'))).toBe('Give a name.');
    expect(userMessageOf(new EngineInputError('seed must be an integer'))).toBe('That did not work: seed must be an integer');
    expect(userMessageOf(new JobFailure('j1', new UserError('inside a job')))).toBe('inside a job');
    expect(userMessageOf(new Error('ENOENT /secret/path'))).toBeUndefined();
    expect(userMessageOf(new JobFailure('j1', new Error('boom')))).toBeUndefined();
    expect(somethingWentWrong('job j1')).toBe('Something went wrong (job j1). The error was logged; please try again.');
  });

  it('keeps input errors user-facing across an engine thread and the queue', () => {
    for (const e of [new EngineInputError('bad seed'), new ImageInputError('too small')]) {
      const back = errorFromWire(errorToWire(e));
      expect(back).toBeInstanceOf(e.constructor);
      expect(userMessageOf(back)).toBe(userMessageOf(e));
    }
    const { name, message } = errorFromReason(errorToReason(new StoreWriteError()));
    expect(reviveError(name, message, { StoreWriteError })).toBeInstanceOf(StoreWriteError);
    const internal = errorFromWire(errorToWire(new TypeError('x is undefined')));
    expect(internal.name).toBe('TypeError');
    expect(userMessageOf(internal)).toBeUndefined();
  });
});
