-- wrk: cycle through the request paths listed one per line in the file given after `--`;
-- each thread starts at a different place, so that concurrent requests differ.
local paths = {}
local i = 0
local counter = 0

function setup(thread)
  counter = counter + 1
  thread:set("offset", counter * 7919)
end

function init(args)
  for line in io.lines(args[1]) do
    paths[#paths + 1] = line
  end
  i = (offset or 0) % #paths
end

function request()
  i = i % #paths + 1
  return wrk.format("GET", paths[i])
end
