-- wrk script for bench/redirect: a realistic mix of visitors on 10,000 short links.
-- args: <codes file> <path prefix, e.g. /s/ or /bench/naive/ ; "fixed:/bench/baseline" for a constant path>
-- Mix: 10% bot or preview user agents, 3% unknown (well-formed) codes, 1% malformed codes,
-- the rest humans with varied browsers and addresses (X-Forwarded-For, one trusted proxy).

local codes = {}
local prefix = "/s/"
local fixed = nil
local humans = {
  "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
  "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15",
  "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1",
  "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36",
  "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0",
  "Mozilla/5.0 (iPad; CPU OS 17_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.6 Mobile/15E148 Safari/604.1",
}
local bots = {
  "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
  "LinkedInBot/1.0 (compatible; Mozilla/5.0; Apache-HttpClient +http://www.linkedin.com)",
  "Twitterbot/1.0",
  "facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)",
  "Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)",
  "python-requests/2.32.3",
}
local alphabet = "23456789abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ"

-- per-thread tallies, read back in done()
s302, s404, sother = 0, 0, 0

function init(args)
  for line in io.lines(args[1]) do codes[#codes + 1] = line end
  local target = args[2] or "/s/"
  if target:sub(1, 6) == "fixed:" then fixed = target:sub(7) else prefix = target end
  math.randomseed(os.time() + math.floor(os.clock() * 1e6) + tonumber(tostring({}):sub(8), 16) % 100000)
end

local function random_code(n)
  local t = {}
  for i = 1, n do
    local k = math.random(1, #alphabet)
    t[i] = alphabet:sub(k, k)
  end
  return table.concat(t)
end

function request()
  local r = math.random()
  local code
  if r < 0.03 then code = "zz" .. random_code(6)          -- unknown, well formed
  elseif r < 0.04 then code = "bad%27" .. random_code(20)  -- malformed
  else code = codes[math.random(1, #codes)] end
  local ua
  if math.random() < 0.10 then ua = bots[math.random(1, #bots)] else ua = humans[math.random(1, #humans)] end
  local ip = string.format("10.%d.%d.%d", math.random(0, 255), math.random(0, 255), math.random(1, 254))
  local path = fixed or (prefix .. code)
  return wrk.format("GET", path, {["User-Agent"] = ua, ["X-Forwarded-For"] = ip, ["Referer"] = "https://www.linkedin.com/"})
end

function response(status, headers, body)
  if status == 302 then s302 = s302 + 1 elseif status == 404 then s404 = s404 + 1 else sother = sother + 1 end
end

local threads = {}

function setup(thread)
  threads[#threads + 1] = thread
end

function done(summary, latency, requests)
  local a, b, c = 0, 0, 0
  for _, t in ipairs(threads) do
    a = a + t:get("s302"); b = b + t:get("s404"); c = c + t:get("sother")
  end
  local e = summary.errors
  io.write(string.format(
    'WRK_JSON {"requests": %d, "duration_us": %d, "rps": %.1f, "p50_ms": %.3f, "p90_ms": %.3f, "p99_ms": %.3f, ' ..
    '"max_ms": %.3f, "s302": %d, "s404": %d, "other_status": %d, "connect_errors": %d, "read_errors": %d, ' ..
    '"write_errors": %d, "timeouts": %d}\n',
    summary.requests, summary.duration, summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(90) / 1000, latency:percentile(99) / 1000, latency.max / 1000,
    a, b, c, e.connect, e.read, e.write, e.timeout))
end
