/** The tasks of `rnnkit train <task>`, `eval` and `predict` beside the language model's (see task.ts to add one). */
import type { ModelType } from '../../io/model-file.js';
import { classifyTask } from './classify.js';
import { ctcTask } from './ctc.js';
import { forecastTask } from './forecast.js';
import { seq2seqTask } from './seq2seq.js';
import { tagTask } from './tag.js';
import type { Task } from './task.js';

/** Every task, in the order of `rnnkit train --help`. */
export const TASKS: readonly Task[] = [classifyTask, tagTask, forecastTask, ctcTask, seq2seqTask];

/** The task whose models have `type`, if any. */
export function taskFor(type: ModelType): Task | undefined {
  return TASKS.find((t) => t.modelType === type);
}
