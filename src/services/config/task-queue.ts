/** The task queue Weft's workers poll and its runs start on unless `WEFT_TASK_QUEUE` names another. */
export const DEFAULT_TASK_QUEUE = 'weft';
