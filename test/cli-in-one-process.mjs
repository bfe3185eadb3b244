// Runs many `pinbox` command lines in one Node process, through the same runCli the
// built CLI's main.js calls, and prints each one's exit code, stdout and stderr as
// JSON: the help and usage checks of every command without a process per line.
// Only for lines that print and return (help, usage mistakes), never for ones that serve.
import { runCli } from '../dist/cli/command.js';
import { COMMANDS, overview } from '../dist/cli/commands.js';

const lines = JSON.parse(process.argv[2]);
const results = [];
const write = { out: process.stdout.write.bind(process.stdout), err: process.stderr.write.bind(process.stderr) };
for (const argv of lines) {
  let stdout = '';
  let stderr = '';
  process.stdout.write = (chunk) => ((stdout += chunk), true);
  process.stderr.write = (chunk) => ((stderr += chunk), true);
  process.exitCode = undefined;
  let code;
  try {
    ({ code } = await runCli(COMMANDS, argv[0] === '--version' ? ['version', ...argv.slice(1)] : argv, overview));
  } finally {
    process.stdout.write = write.out;
    process.stderr.write = write.err;
  }
  results.push({ argv, status: code, stdout, stderr });
}
process.exitCode = 0;
write.out(JSON.stringify(results));
