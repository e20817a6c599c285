// Command-line flags, the same as the python3 and golang wrappers take.
pub const USAGE: &str =
    "usage: racetrack-job-wrapper (--port PORT [--host HOST] | --listen-fd FD) [--home-page PATH] [--swagger-ui-dir DIR]
  --port PORT            port to listen on; 0 picks a free port (printed on stderr)
  --listen-fd FD         serve on this inherited listening socket instead
  --host HOST            address to listen on (default 127.0.0.1)
  --home-page PATH       where GET / redirects to (default /docs)
  --swagger-ui-dir DIR   folder of the swagger-ui-dist package, served under /docs/";

pub struct Args {
    pub host: String,
    pub port: u16,
    pub listen_fd: Option<i32>,
    pub home_page: String,
    pub swagger_ui_dir: Option<String>,
}

impl Args {
    /// Takes `--flag value` and `--flag=value`.
    pub fn parse(mut argv: impl Iterator<Item = String>) -> Result<Args, String> {
        let mut args = Args {
            host: "127.0.0.1".to_string(),
            port: 0,
            listen_fd: None,
            home_page: "/docs".to_string(),
            swagger_ui_dir: None,
        };
        let mut port = None;
        while let Some(arg) = argv.next() {
            let (flag, inline) = match arg.split_once('=') {
                Some((flag, value)) => (flag.to_string(), Some(value.to_string())),
                None => (arg, None),
            };
            let mut value = || {
                inline
                    .clone()
                    .or_else(|| argv.next())
                    .ok_or_else(|| format!("{} needs a value", flag))
            };
            match flag.as_str() {
                "--host" => args.host = value()?,
                "--port" => {
                    port = Some(
                        value()?
                            .parse::<u16>()
                            .map_err(|_| "--port must be a number 0-65535".to_string())?,
                    )
                }
                "--listen-fd" => {
                    args.listen_fd = Some(
                        value()?
                            .parse::<i32>()
                            .ok()
                            .filter(|fd| *fd >= 0)
                            .ok_or_else(|| "--listen-fd must be a file descriptor number".to_string())?,
                    )
                }
                "--home-page" => args.home_page = value()?,
                "--swagger-ui-dir" => args.swagger_ui_dir = Some(value()?),
                _ => return Err(format!("unknown argument: {}", flag)),
            }
        }
        match (port, args.listen_fd) {
            (Some(port), None) => args.port = port,
            (None, Some(_)) => {}
            _ => return Err("--port or --listen-fd is required (one of them)".to_string()),
        }
        Ok(args)
    }
}
