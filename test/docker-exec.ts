// Docker helpers for tests: a command inside a job container, and the clean-up of what a suite deployed.
import type Docker from 'dockerode';

export async function execIn(container: Docker.Container, cmd: string[]): Promise<number | null> {
  const run = await container.exec({ Cmd: cmd, AttachStdout: true, AttachStderr: true });
  const stream = await run.start({});
  stream.resume();
  await new Promise((resolve) => stream.on('end', resolve).on('close', resolve).on('error', resolve));
  return (await run.inspect()).ExitCode;
}

/** Removes the containers of these deployments: docker jobs outlive the server by design, so a suite cleans up. */
export async function removeDeploymentContainers(docker: Docker, deployments: Iterable<string>): Promise<void> {
  for (const id of deployments) {
    for (const c of await docker.listContainers({ all: true, filters: { label: [`racetrack.deployment=${id}`] } })) {
      await docker.getContainer(c.Id).remove({ force: true }).catch(() => {});
    }
  }
}
