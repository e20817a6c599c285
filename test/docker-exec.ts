// Runs a command inside a job container (docker exec) for tests; resolves with its exit code.
import type Docker from 'dockerode';

export async function execIn(container: Docker.Container, cmd: string[]): Promise<number | null> {
  const run = await container.exec({ Cmd: cmd, AttachStdout: true, AttachStderr: true });
  const stream = await run.start({});
  stream.resume();
  await new Promise((resolve) => stream.on('end', resolve).on('close', resolve).on('error', resolve));
  return (await run.inspect()).ExitCode;
}
