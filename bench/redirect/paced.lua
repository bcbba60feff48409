-- Like redirect.lua, with a pause between a connection's requests: the connection count and
-- the pause set the offered rate (closed loop). args: <codes file> <path prefix> <pause ms>
dofile("bench/redirect/redirect.lua")
local base_init = init
local pause = 10

function init(args)
  base_init(args)
  pause = tonumber(args[3] or "10")
end

function delay()
  return pause
end
