// Every key camstream reads: doc (with units and edge cases), format, default, env.
// config/camstream.example.json mirrors this file and a test keeps them in step.
import { bool, cameraMap, cidrList, variantMap, frameAncestorList, intRange, nonEmptyText, numberRange, oneOf, realmText, text, tokenList, userList } from './formats';

export const SOURCE_KINDS = ['auto', 'testpattern', 'opencv', 'libcamera', 'raspistill', 'http', 'files'] as const;
export type SourceKind = (typeof SOURCE_KINDS)[number];

export const ROTATIONS = [0, 90, 180, 270] as const;
export const IDLE_POLICIES = ['keep', 'stop'] as const;

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

export const schema = {
  server: {
    host: {
      doc: 'Address to listen on. 0.0.0.0 = every IPv4 interface (LAN viewers); 127.0.0.1 = this machine only; :: = IPv4 and IPv6.',
      format: nonEmptyText,
      default: '0.0.0.0',
      env: 'CAMSTREAM_SERVER_HOST',
    },
    port: {
      doc: 'TCP port. 8080 is what OctoPrint, mjpg-streamer and µStreamer users expect; 0 = any free port (tests).',
      format: intRange(0, 65535),
      default: 8080,
      env: 'CAMSTREAM_SERVER_PORT',
    },
    headersTimeoutMs: {
      doc: 'How long a client may take to send its request headers, ms. Bounds slowloris sockets.',
      format: intRange(1000, 120000),
      default: 10000,
      env: 'CAMSTREAM_SERVER_HEADERS_TIMEOUT_MS',
    },
    requestTimeoutMs: {
      doc: 'How long a client may take to send a whole request, ms (never cuts a stream: it only times the request).',
      format: intRange(1000, 300000),
      default: 15000,
      env: 'CAMSTREAM_SERVER_REQUEST_TIMEOUT_MS',
    },
    keepAliveTimeoutMs: {
      doc: 'How long an idle keep-alive connection is kept open between requests, ms.',
      format: intRange(100, 120000),
      default: 5000,
      env: 'CAMSTREAM_SERVER_KEEP_ALIVE_TIMEOUT_MS',
    },
    maxConnections: {
      doc: 'Hard cap on open TCP connections of every kind; connections past it are closed at once. Must exceed the streaming slots (stream.maxClientsTotal, or stream.maxClients) + stream.queueSize per camera so snapshots, status and 503 answers still get through.',
      format: intRange(2, 65536),
      default: 256,
      env: 'CAMSTREAM_SERVER_MAX_CONNECTIONS',
    },
    shutdownTimeoutMs: {
      doc: 'On SIGTERM/SIGINT, how long to wait for streams and the camera to close before forcing exit, ms.',
      format: intRange(100, 60000),
      default: 5000,
      env: 'CAMSTREAM_SERVER_SHUTDOWN_TIMEOUT_MS',
    },
    maxConnectionsPerIp: {
      doc: 'Open TCP connections one client address may hold at once; past it new ones from that address are closed at once, so one host flooding the port cannot take the places of everyone else. Must exceed stream.maxClientsPerIp (its streams plus snapshots and the page). Raise it if many viewers reach camstream through one proxy.',
      format: intRange(2, 65536),
      default: 32,
      env: 'CAMSTREAM_SERVER_MAX_CONNECTIONS_PER_IP',
    },
    allow: {
      doc: 'Client networks allowed to use the server, as CIDR ("192.168.1.0/24", "fd00::/8"; a bare address = that host). Others get 403 before authentication. [] = everyone. Include 127.0.0.1 if local monitors use /healthz. From env: comma-separated.',
      format: cidrList,
      default: [],
      env: 'CAMSTREAM_SERVER_ALLOW',
    },
    tls: {
      cert: {
        doc: 'Path to a PEM certificate (chain) to serve HTTPS instead of HTTP; "" = plain HTTP. Needs server.tls.key too. Read once at start-up (restart to pick up a renewed certificate).',
        format: text,
        default: '',
        env: 'CAMSTREAM_SERVER_TLS_CERT',
      },
      key: {
        doc: 'Path to the PEM private key for server.tls.cert; "" = plain HTTP. Keep it readable by the camstream user only.',
        format: text,
        default: '',
        env: 'CAMSTREAM_SERVER_TLS_KEY',
      },
    },
  },
  camera: {
    source: {
      doc: 'Where frames come from: auto (the Pi Camera Module if rpicam-vid finds one, else the first /dev/video* that can capture, else testpattern; the choice and why are logged and shown in /api/status), testpattern (built-in moving pattern, no camera needed), opencv (V4L2 device, GStreamer pipeline or video file via OpenCV; a USB camera offering MJPEG is passed through, see camera.passthrough), libcamera (Pi Camera Module via rpicam-vid/libcamera-vid, camera JPEGs passed through), raspistill (legacy camera stack on 32-bit Bullseye: repeated stills, about 0.5-2 fps), http (relay another MJPEG stream from camera.url), files (a folder of JPEGs replayed without re-encoding).',
      format: oneOf(SOURCE_KINDS),
      default: 'auto',
      env: 'CAMSTREAM_CAMERA_SOURCE',
    },
    device: {
      doc: 'For source=opencv: /dev/videoN, a device index ("0"), a GStreamer pipeline ending in appsink, or a video file path.',
      format: nonEmptyText,
      default: '/dev/video0',
      env: 'CAMSTREAM_CAMERA_DEVICE',
    },
    fourcc: {
      doc: 'For source=opencv on V4L2: the pixel format asked of the camera (MJPG, YUYV, …; 4 characters). Empty = the driver default.',
      format: text,
      default: 'MJPG',
      env: 'CAMSTREAM_CAMERA_FOURCC',
    },
    index: {
      doc: 'For source=libcamera: which Pi camera, numbered as `rpicam-vid --list-cameras` lists them (passed as rpicam-vid --camera N); 0 = the first. `camstream list-cameras` shows each camera with its number. Other sources: leave at 0.',
      format: intRange(0, 15),
      default: 0,
      env: 'CAMSTREAM_CAMERA_INDEX',
    },
    dir: {
      doc: 'For source=files: folder of .jpg/.jpeg files, replayed in name order at camera.fps, looping.',
      format: text,
      default: '',
      env: 'CAMSTREAM_CAMERA_DIR',
    },
    width: {
      doc: 'Frame width in pixels asked of the camera (and drawn by testpattern).',
      format: intRange(16, 7680),
      default: 640,
      env: 'CAMSTREAM_CAMERA_WIDTH',
    },
    height: {
      doc: 'Frame height in pixels asked of the camera (and drawn by testpattern).',
      format: intRange(16, 4320),
      default: 480,
      env: 'CAMSTREAM_CAMERA_HEIGHT',
    },
    fps: {
      doc: 'Frames per second asked of the camera; also the replay rate of testpattern and files.',
      format: numberRange(0.1, 240),
      default: 15,
      env: 'CAMSTREAM_CAMERA_FPS',
    },
    quality: {
      doc: 'JPEG quality 1..100 when camstream encodes (testpattern, raw camera formats) and asked of rpicam-vid (-q) and raspistill. Camera-made JPEGs (USB MJPEG passthrough, relay) are passed through untouched.',
      format: intRange(1, 100),
      default: 75,
      env: 'CAMSTREAM_CAMERA_QUALITY',
    },
    url: {
      doc: 'For source=http: the multipart/x-mixed-replace MJPEG URL to relay, e.g. http://pi.local:8080/stream (another camstream, mjpg-streamer, an IP camera). Credentials may go in the URL (http://user:pass@host/…, ?token=…); logs and /api/status show them as ***.',
      format: text,
      default: '',
      env: 'CAMSTREAM_CAMERA_URL',
    },
    rotation: {
      doc: 'Rotate the picture clockwise by 0, 90, 180 or 270 degrees. raspistill rotates in the camera. libcamera (named, or chosen by auto): 180 in the camera, 90/270 by camstream (decode + re-encode with OpenCV: costs CPU). opencv: 180 by the USB camera\'s V4L2 flip controls when it has them (passthrough stays on), otherwise in software before encoding (turns USB MJPEG passthrough off). Not applied to http and files.',
      format: oneOf(ROTATIONS),
      default: 0,
      env: 'CAMSTREAM_CAMERA_ROTATION',
    },
    hflip: {
      doc: 'Mirror the picture left-right. Done by the camera for libcamera/raspistill and for USB cameras with a V4L2 horizontal_flip control (set with v4l2-ctl); otherwise by OpenCV (turns USB MJPEG passthrough off).',
      format: bool,
      default: false,
      env: 'CAMSTREAM_CAMERA_HFLIP',
    },
    vflip: {
      doc: 'Flip the picture upside down. Done by the camera for libcamera/raspistill and for USB cameras with a V4L2 vertical_flip control (set with v4l2-ctl); otherwise by OpenCV (turns USB MJPEG passthrough off).',
      format: bool,
      default: false,
      env: 'CAMSTREAM_CAMERA_VFLIP',
    },
    passthrough: {
      doc: 'For source=opencv on a V4L2 device with camera.fourcc MJPG: serve the camera\'s own JPEGs through ffmpeg (-c:v copy) without decoding and re-encoding, which costs a fraction of the CPU. Needs ffmpeg; if it is missing, the camera offers no MJPEG, rotation is 90/270, or a flip the camera cannot do itself is set, camstream decodes and encodes with OpenCV instead. false = always OpenCV.',
      format: bool,
      default: true,
      env: 'CAMSTREAM_CAMERA_PASSTHROUGH',
    },
    stallTimeoutMs: {
      doc: 'A camera that delivers no frame for this long (also after a start) is restarted, ms. Keep it above the time between frames: raspistill manages about one frame a second, so give it 10000 or more.',
      format: intRange(500, 600000),
      default: 5000,
      env: 'CAMSTREAM_CAMERA_STALL_TIMEOUT_MS',
    },
    restartDelayMs: {
      doc: 'First wait before restarting a failed camera, ms; doubles after each failure in a row up to camera.restartDelayMaxMs, and resets once the camera has been live for 10 s.',
      format: intRange(10, 600000),
      default: 500,
      env: 'CAMSTREAM_CAMERA_RESTART_DELAY_MS',
    },
    restartDelayMaxMs: {
      doc: 'Longest wait between restarts of a failing camera, ms (the cap of the exponential backoff). Viewers see a NO SIGNAL frame about once a second meanwhile.',
      format: intRange(10, 3600000),
      default: 30000,
      env: 'CAMSTREAM_CAMERA_RESTART_DELAY_MAX_MS',
    },
    idle: {
      doc: 'What the camera does when nobody watches /stream: keep (capture all the time; snapshots are always fresh, no start-up delay) or stop (release the camera after camera.idleTimeoutMs without viewers, start it again when the next viewer connects; the first frame then takes the camera\'s warm-up time, about 1-2 s for rpicam-vid).',
      format: oneOf(IDLE_POLICIES),
      default: 'keep',
      env: 'CAMSTREAM_CAMERA_IDLE',
    },
    idleTimeoutMs: {
      doc: 'For camera.idle=stop: how long without streaming viewers before the camera is stopped, ms. 0 = as soon as the last viewer leaves.',
      format: intRange(0, 86400000),
      default: 30000,
      env: 'CAMSTREAM_CAMERA_IDLE_TIMEOUT_MS',
    },
  },
  cameras: {
    doc: 'Several cameras: {"front": {"source": "libcamera"}, "nozzle": {"source": "opencv", "device": "/dev/v4l/by-id/…", "stream": {"maxClients": 3}}}. Each name (a-z, 0-9, _ and -, up to 32 characters, starting with a letter or digit, not digits only) is in the camera\'s URLs (/cam/NAME/stream); the order is the camera\'s index (/?action=stream_N; index 0 is also /stream). An entry takes every camera.* key (the camera section is the defaults each entry inherits) plus stream.maxClients and stream.maxFps for that camera. {} = one camera, the camera section, named "default". Two cameras on one device, or more than one with source auto, are errors.',
    format: cameraMap,
    default: {},
  },
  stream: {
    maxClients: {
      doc: 'Streaming slots of each camera: how many viewers may watch its stream at once (a camera of cameras may set its own in cameras.NAME.stream.maxClients; all cameras together are bounded by stream.maxClientsTotal). Snapshots, status and health checks do not take a slot.',
      format: intRange(1, 1000),
      default: 20,
      env: 'CAMSTREAM_STREAM_MAX_CLIENTS',
    },
    maxClientsTotal: {
      doc: 'Streaming slots of all cameras together: what the Pi\'s CPU and network can carry. Each camera also keeps its own cap (stream.maxClients, or its cameras.NAME.stream.maxClients). 0 = the same as stream.maxClients (one camera behaves as if this key did not exist).',
      format: intRange(0, 10000),
      default: 0,
      env: 'CAMSTREAM_STREAM_MAX_CLIENTS_TOTAL',
    },
    maxClientsPerIp: {
      doc: 'Streaming slots one client address may hold (and wait for) at once; over it the viewer gets 429. Browsers open up to 6 connections per host.',
      format: intRange(1, 1000),
      default: 6,
      env: 'CAMSTREAM_STREAM_MAX_CLIENTS_PER_IP',
    },
    queueSize: {
      doc: 'Viewers who may wait (FIFO) for a free slot when all are taken; past it the viewer gets 503 at once. 0 = no waiting.',
      format: intRange(0, 10000),
      default: 10,
      env: 'CAMSTREAM_STREAM_QUEUE_SIZE',
    },
    queueTimeoutMs: {
      doc: 'How long a waiting viewer waits for a slot before 503 + Retry-After, ms. 0 = reject at once when full.',
      format: intRange(0, 600000),
      default: 5000,
      env: 'CAMSTREAM_STREAM_QUEUE_TIMEOUT_MS',
    },
    maxFps: {
      doc: 'Upper bound on frames per second sent to one viewer; a viewer may ask for less with ?fps=N. A camera of cameras may set its own in cameras.NAME.stream.maxFps.',
      format: numberRange(0.1, 240),
      default: 30,
      env: 'CAMSTREAM_STREAM_MAX_FPS',
    },
    stallTimeoutMs: {
      doc: 'A viewer whose socket has not accepted a frame for this long is disconnected and its slot freed, ms.',
      format: intRange(500, 600000),
      default: 10000,
      env: 'CAMSTREAM_STREAM_STALL_TIMEOUT_MS',
    },
    dropSameFrames: {
      doc: 'Skip a frame whose JPEG bytes equal the previous one (a static scene from a camera that re-sends frames); saves bandwidth.',
      format: bool,
      default: false,
      env: 'CAMSTREAM_STREAM_DROP_SAME_FRAMES',
    },
    variants: {
      doc: 'Smaller pictures for viewers on slow links, made from the same capture: {"low": {"width": 320, "quality": 50}, "mid": {"width": 640}}. Each name (a-z, 0-9, _ and -, up to 32 characters, starting with a letter; not "auto" or "full") is asked for with /stream?variant=NAME or /snapshot?variant=NAME; width 16..7680 pixels (the height follows each camera\'s aspect ratio; a variant is never larger than the camera\'s picture), quality 1..100 (default 70). The same variants serve every camera. A variant costs a decode, resize and encode per captured frame (bench/variants.ts), but only while someone watches it; the full size stays passed through untouched. ?variant=auto moves a viewer between full size and the variants as its link keeps up (README "Variants"). {} = none. From env: a JSON object.',
      format: variantMap,
      default: {},
      env: 'CAMSTREAM_STREAM_VARIANTS',
    },
    maxMbps: {
      doc: 'Bandwidth budget of all streaming viewers of all cameras together, megabits per second (the Pi\'s Wi-Fi must still carry everything else). When viewers would take more, their frame rates are lowered fairly (each gets an equal share; a viewer that needs less leaves the rest to others), never below 1 fps and never cut off. 0 = no budget.',
      format: numberRange(0, 10000),
      default: 0,
      env: 'CAMSTREAM_STREAM_MAX_MBPS',
    },
  },
  metrics: {
    enabled: {
      doc: 'Serve Prometheus metrics at GET /metrics (frames, fps, encode time, viewers, drops, bytes, restarts, process CPU/memory). false = /metrics answers 404.',
      format: bool,
      default: true,
      env: 'CAMSTREAM_METRICS_ENABLED',
    },
  },
  http: {
    frameAncestors: {
      doc: 'Who may embed camstream\'s pages in a frame (CSP frame-ancestors): "\'self\'" (default), "\'none\'", or origins such as "http://homeassistant.local:8123" for NVR/home dashboards. X-Frame-Options is sent too when the list is just \'self\' or \'none\'. From env: comma-separated.',
      format: frameAncestorList,
      default: ["'self'"],
      env: 'CAMSTREAM_HTTP_FRAME_ANCESTORS',
    },
  },
  auth: {
    users: {
      doc: 'People who may log in with HTTP Basic (browsers and phones prompt for it): [{"name": "ana", "passwordHash": "scrypt$16384$8$1$…"}]; make the hash with `camstream hash-password`. Add "admin": true to let that user change camera settings from the page (PATCH /api/camera/settings). No users and no tokens = access control off (anyone who can reach the port may watch). From env: a JSON array.',
      format: userList,
      default: [],
      env: 'CAMSTREAM_AUTH_USERS',
      sensitive: true,
    },
    tokens: {
      doc: 'Access tokens for tools that cannot do Basic auth (OctoPrint, NVRs, scripts): [{"name": "octoprint", "token": "…at least 16 characters…"}] or, to keep the secret out of the file, {"name": …, "tokenHash": "sha256$<hex of sha256(token)>"} (printf %s TOKEN | sha256sum). Sent as "Authorization: Bearer TOKEN", an "X-Camstream-Token: TOKEN" header, or ?token=TOKEN in the URL. "admin": true gives a token the admin scope (it may change camera settings). From env: a JSON array.',
      format: tokenList,
      default: [],
      env: 'CAMSTREAM_AUTH_TOKENS',
      sensitive: true,
    },
    realm: {
      doc: 'The realm named in the Basic login prompt (WWW-Authenticate). Browsers remember logins per realm.',
      format: realmText,
      default: 'camstream',
      env: 'CAMSTREAM_AUTH_REALM',
    },
    healthzOpen: {
      doc: 'true = /healthz and /cam/NAME/healthz answer without credentials (for monitors and load balancers); every other URL still needs them. Only matters when auth is on.',
      format: bool,
      default: false,
      env: 'CAMSTREAM_AUTH_HEALTHZ_OPEN',
    },
    verifyCacheMs: {
      doc: 'How long a password that verified is remembered, ms, so a client polling /snapshot does not cost a scrypt run (about 16 MiB and tens of ms) per request. 0 = verify every request. Only successes are remembered; the cache is in memory and keyed by a keyed hash, never the password.',
      format: intRange(0, 3600000),
      default: 60000,
      env: 'CAMSTREAM_AUTH_VERIFY_CACHE_MS',
    },
    lockout: {
      delayAfter: {
        doc: 'Wrong credentials from one address answered at once before answers start being delayed by auth.lockout.delayMs.',
        format: intRange(0, 1000),
        default: 3,
        env: 'CAMSTREAM_AUTH_LOCKOUT_DELAY_AFTER',
      },
      delayMs: {
        doc: 'Delay before answering each further wrong attempt from that address, ms. Slows password guessing; 0 = no delay.',
        format: intRange(0, 10000),
        default: 1000,
        env: 'CAMSTREAM_AUTH_LOCKOUT_DELAY_MS',
      },
      maxFailures: {
        doc: 'Wrong attempts from one address after which it is locked out (every request gets 429 + Retry-After, right credentials too) for auth.lockout.durationMs. 0 = never lock out.',
        format: intRange(0, 100000),
        default: 10,
        env: 'CAMSTREAM_AUTH_LOCKOUT_MAX_FAILURES',
      },
      durationMs: {
        doc: 'How long a locked-out address stays locked, ms. It then starts again with a clean count.',
        format: intRange(1000, 86400000),
        default: 300000,
        env: 'CAMSTREAM_AUTH_LOCKOUT_DURATION_MS',
      },
      windowMs: {
        doc: 'Wrong attempts are forgotten this long after the last one from that address, ms; a right login forgets them at once.',
        format: intRange(1000, 86400000),
        default: 900000,
        env: 'CAMSTREAM_AUTH_LOCKOUT_WINDOW_MS',
      },
    },
  },
  settings: {
    stateDir: {
      doc: 'Folder of the state file (settings.json) that keeps camera settings changed from the page across restarts, layered over this config file at start. The systemd unit\'s StateDirectory=camstream makes /var/lib/camstream writable while /etc stays read-only to the service.',
      format: nonEmptyText,
      default: '/var/lib/camstream',
      env: 'CAMSTREAM_SETTINGS_STATE_DIR',
    },
    anonymousEdit: {
      doc: 'With access control off (no auth.users, no auth.tokens): true lets anyone who can reach the page change camera settings. false (default) = settings are read-only until an admin user or token exists. Ignored when access control is on (then only admins may).',
      format: bool,
      default: false,
      env: 'CAMSTREAM_SETTINGS_ANONYMOUS_EDIT',
    },
  },
  log: {
    level: {
      doc: 'Log level: fatal, error, warn, info, debug, trace or silent. info logs each viewer once on connect and once on leave, never per frame.',
      format: oneOf(LOG_LEVELS),
      default: 'info',
      env: 'CAMSTREAM_LOG_LEVEL',
    },
  },
  uvThreadpoolSize: {
    doc: "Threads in libuv's pool, where OpenCV reads and encodes run off the event loop (UV_THREADPOOL_SIZE). 2..4 suits a Pi.",
    format: intRange(1, 128),
    default: 4,
    env: 'CAMSTREAM_UV_THREADPOOL_SIZE',
  },
};

export interface Config {
  server: {
    host: string;
    port: number;
    headersTimeoutMs: number;
    requestTimeoutMs: number;
    keepAliveTimeoutMs: number;
    maxConnections: number;
    shutdownTimeoutMs: number;
    maxConnectionsPerIp: number;
    allow: string[];
    tls: { cert: string; key: string };
  };
  camera: {
    source: SourceKind;
    device: string;
    index: number;
    fourcc: string;
    dir: string;
    width: number;
    height: number;
    fps: number;
    quality: number;
    url: string;
    rotation: (typeof ROTATIONS)[number];
    hflip: boolean;
    vflip: boolean;
    passthrough: boolean;
    stallTimeoutMs: number;
    restartDelayMs: number;
    restartDelayMaxMs: number;
    idle: (typeof IDLE_POLICIES)[number];
    idleTimeoutMs: number;
  };
  /** Named cameras with every key resolved (camera.* defaults merged in); {} = the single camera form. */
  cameras: Record<string, CameraSettings>;
  stream: {
    maxClients: number;
    maxClientsTotal: number;
    maxClientsPerIp: number;
    queueSize: number;
    queueTimeoutMs: number;
    maxFps: number;
    stallTimeoutMs: number;
    dropSameFrames: boolean;
    variants: Record<string, { width: number; quality?: number }>;
    maxMbps: number;
  };
  metrics: { enabled: boolean };
  http: { frameAncestors: string[] };
  auth: {
    users: { name: string; passwordHash: string; admin?: boolean }[];
    tokens: { name: string; token?: string; tokenHash?: string; admin?: boolean }[];
    realm: string;
    healthzOpen: boolean;
    verifyCacheMs: number;
    lockout: { delayAfter: number; delayMs: number; maxFailures: number; durationMs: number; windowMs: number };
  };
  settings: { stateDir: string; anonymousEdit: boolean };
  log: { level: (typeof LOG_LEVELS)[number] };
  uvThreadpoolSize: number;
}

/** One entry of `cameras`: every camera key plus that camera's own stream limits. */
export type CameraSettings = Config['camera'] & { stream: { maxClients: number; maxFps: number } };
