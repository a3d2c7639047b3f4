// What validation knows only with this machine at hand: a script task that names an `image` needs
// a container engine, and where the flow is checked (server, CLI) is where one is looked for, once
// per process. The workers look again before each such script (they may differ from this one).

import type { ValidationProblem } from '../../core/errors.js';
import type { FlowSpec } from '../../core/spec/flow-spec.js';
import { flowTasks } from '../../core/spec/flow-tasks.js';
import { type ContainerEngineChoice, findContainerEngine } from '../containers/container-engine.js';

/** Paths of the script tasks of `flow` that name an image. */
export function imageTaskPaths(flow: FlowSpec): string[] {
  return [...flowTasks(flow)].filter(({ task }) => task.type === 'script' && task.image !== undefined).map(({ path }) => path);
}

/** One problem per script task with `image` when no engine answers here, naming the field and what to install. */
export async function checkScriptImages(flow: FlowSpec, choice: ContainerEngineChoice): Promise<ValidationProblem[]> {
  const paths = imageTaskPaths(flow);
  if (!paths.length) return [];
  const lookup = await findContainerEngine(choice);
  if ('engine' in lookup) return [];
  return paths.map((path) => ({
    path: `${path}.image`,
    message: `${path}.image asks for the container runner, which is not available: ${lookup.unavailable}`,
    hint: 'install podman on the workers and where flows are checked (Debian: apt-get install podman runc), or remove image to run the script in the bubblewrap sandbox',
  }));
}
