-- Argo CD health of a wallet-operator resource (PassCertificate,
-- PassTemplate, Pass). Healthy: Ready for the current generation.
-- Progressing: the controller has not caught up with the latest spec, or
-- the resource waits for another one (its template, certificate, Secret or
-- images) that may still be on its way. Degraded: it needs a person (an
-- invalid certificate or template, bad pass data, a serial conflict, ...);
-- the message says why.
local waiting = {
  Reconciling = true,
  TemplateNotFound = true,
  TemplateNotReady = true,
  CertificateNotFound = true,
  CertificateNotReady = true,
  SecretNotFound = true,
  ImageNotFound = true,
}

local hs = {status = "Progressing", message = "Waiting for the controller"}
if obj.status == nil or obj.status.conditions == nil then
  return hs
end
local generation = obj.metadata.generation
if generation ~= nil and (obj.status.observedGeneration == nil or obj.status.observedGeneration < generation) then
  hs.message = "Waiting for the controller to observe generation " .. generation
  return hs
end

local ready, expiring = nil, nil
for _, c in ipairs(obj.status.conditions) do
  if c.type == "Ready" then
    ready = c
  elseif c.type == "Expiring" and c.status == "True" then
    expiring = c
  end
end
if ready == nil then
  hs.message = "Waiting for the Ready condition"
  return hs
end
if generation ~= nil and ready.observedGeneration ~= nil and ready.observedGeneration < generation then
  hs.message = "Waiting for the controller to observe generation " .. generation
  return hs
end

local message = ready.message or ""
if ready.reason ~= nil then
  message = ready.reason .. ": " .. message
end
if ready.status == "True" then
  hs.status = "Healthy"
  if expiring ~= nil then
    hs.message = "Expiring: " .. (expiring.message or "")
  else
    hs.message = message
  end
elseif ready.status == "False" and not waiting[ready.reason] then
  hs.status = "Degraded"
  hs.message = message
else
  hs.message = message
end
return hs
