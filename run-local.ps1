#Requires -Version 7.0
<#
.SYNOPSIS
    Runs one Cdp silo on this machine, storing grain state in Azurite or in memory; or, with -Silos N, a
    local cluster of N silo processes on Azurite.

.DESCRIPTION
    With -Storage Azurite (the default) the script checks that Node.js 20 or newer is present, installs
    Azurite 3.37.0 into .tools/azurite on first use, starts it on 127.0.0.1 with its data kept in .azurite/,
    and waits until it listens. It then runs src/Cdp.Silo in Release, passing the settings as environment
    variables (Cdp__Storage__Provider, Cdp__Storage__ConnectionString, Cdp__Silo__SiloPort,
    Cdp__Silo__GatewayPort, Cdp__Silo__DashboardPort, Cdp__Http__Port, Cdp__Http__BootstrapKey) in the
    Development environment.

    The HTTP API gets a development key with every scope: the value of the CDP_DEV_KEY environment variable, or
    a new random key each run. The script and the silo both print it, with a curl command that sends an event.

    With -Silos N (2 or more) the script builds the silo once and starts N processes of it on Azurite, clustered
    through an Azure table in Azurite (Cdp__Cluster__Provider=AzureTable, each silo advertising 127.0.0.1).
    Silo i (from 0) takes SiloPort+i, GatewayPort+i and HttpPort+i; only silo 0 serves the dashboard. Clients
    list every gateway (Cdp:Client:GatewayPorts) or read the table (Cdp:Client:Cluster:Provider=AzureTable).

    Press Ctrl+C to stop. Azurite is stopped when the silo exits, however it exits; with -Silos N, when every
    silo has stopped.
    The tests (tests/Cdp.IntegrationTests/Infrastructure/AzuriteInstall.cs) use the same Azurite folder and
    version; change both together.

.PARAMETER Storage
    Azurite (default): Azure Table storage emulated by Azurite. Memory: in-memory storage, no Node.js needed;
    state is lost when the silo stops.

.PARAMETER SiloPort
    Port for silo-to-silo traffic. Default: 11111.

.PARAMETER GatewayPort
    Port clients connect to. Default: 30000.

.PARAMETER DashboardPort
    Port of the Orleans dashboard. Default: 8080.

.PARAMETER HttpPort
    Port of the HTTP API (Segment-compatible tracking, profiles, keys). Default: 8088.

.PARAMETER Silos
    How many silo processes to run. Default: 1 (localhost clustering, as before). 2 or more need Azurite.

.PARAMETER AzuritePort
    First of three consecutive ports for Azurite: blob, queue, table. Default: 10000 (so 10000, 10001, 10002).

.EXAMPLE
    dotnet tool restore; dotnet pwsh ./run-local.ps1

.EXAMPLE
    ./run-local.ps1 -Storage Memory

.EXAMPLE
    ./run-local.ps1 -AzuritePort 20000 -DashboardPort 8081

.EXAMPLE
    dotnet pwsh ./run-local.ps1 -Silos 3
#>
[CmdletBinding()]
param(
    [ValidateSet('Azurite', 'Memory')]
    [string] $Storage = 'Azurite',

    [ValidateRange(1, 65535)]
    [int] $SiloPort = 11111,

    [ValidateRange(1, 65535)]
    [int] $GatewayPort = 30000,

    [ValidateRange(1, 65535)]
    [int] $DashboardPort = 8080,

    [ValidateRange(1, 65535)]
    [int] $HttpPort = 8088,

    [ValidateRange(1, 65533)]
    [int] $AzuritePort = 10000,

    [ValidateRange(1, 16)]
    [int] $Silos = 1
)

Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'

$AzuriteVersion = '3.37.0'
$MinimumNodeMajorVersion = 20
$RepoRoot = $PSScriptRoot
$AzuriteFolder = Join-Path $RepoRoot '.tools' 'azurite'
$AzuriteScript = Join-Path $AzuriteFolder 'node_modules' 'azurite' 'dist' 'src' 'azurite.js'
$AzuriteLock = Join-Path $RepoRoot '.tools' 'azurite.lock'
$AzuriteData = Join-Path $RepoRoot '.azurite'

# The development account built into Azurite; public and documented, not a secret.
$DevAccountName = 'devstoreaccount1'
$DevAccountKey = 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=='

$BlobPort = $AzuritePort
$QueuePort = $AzuritePort + 1
$TablePort = $AzuritePort + 2

function Test-PortFree([int] $Port) {
    # Binding to every interface also collides with a listener on 127.0.0.1 alone.
    $listener = [System.Net.Sockets.TcpListener]::new([System.Net.IPAddress]::Any, $Port)
    try {
        $listener.Start()
        return $true
    }
    catch [System.Net.Sockets.SocketException] {
        return $false
    }
    finally {
        $listener.Stop()
    }
}

function Test-PortListening([int] $Port) {
    $client = [System.Net.Sockets.TcpClient]::new()
    try {
        return $client.ConnectAsync([System.Net.IPAddress]::Loopback, $Port).Wait(500) -and $client.Connected
    }
    catch {
        return $false
    }
    finally {
        $client.Dispose()
    }
}

# Lists every taken or repeated port at once, so one rerun is enough to fix them all.
function Assert-PortsFree([System.Collections.Specialized.OrderedDictionary] $Ports) {
    $problems = @()
    foreach ($group in $Ports.Values | Group-Object | Where-Object Count -gt 1) {
        $problems += "port $($group.Name) is given for more than one purpose"
    }
    foreach ($purpose in $Ports.Keys) {
        if (-not (Test-PortFree $Ports[$purpose])) {
            $problems += "port $($Ports[$purpose]) ($purpose) is already in use"
        }
    }
    if ($problems) {
        throw "Cannot start: $($problems -join '; '). Stop whatever holds the port (an Azurite or " +
            'silo left from an earlier run?) or choose other ports with -SiloPort, -GatewayPort, ' +
            '-DashboardPort, -AzuritePort.'
    }
}

function Assert-Node {
    $hint = "Node.js $MinimumNodeMajorVersion or newer is required to run Azurite. " +
        'Install it so that node and npm are on PATH, or run with -Storage Memory.'
    if (-not (Get-Command node -CommandType Application -ErrorAction Ignore)) {
        throw "$hint 'node' was not found."
    }
    $version = (& node --version) -replace '^v', ''
    if ([int]($version -split '\.')[0] -lt $MinimumNodeMajorVersion) {
        throw "$hint Found node $version."
    }
}

# The tests install into the same folder under the same lock file; whoever comes second waits.
function Install-Azurite {
    New-Item -ItemType Directory -Force -Path (Split-Path $AzuriteLock) | Out-Null
    $deadline = [DateTime]::UtcNow.AddMinutes(5)
    $lock = $null
    while (-not $lock) {
        try {
            $lock = [System.IO.File]::Open($AzuriteLock, 'OpenOrCreate', 'ReadWrite', 'None')
        }
        catch [System.IO.IOException] {
            if ([DateTime]::UtcNow -gt $deadline) {
                throw "Another Azurite install has held $AzuriteLock for 5 minutes. " +
                    'If none is running, delete the file.'
            }
            Start-Sleep -Milliseconds 250
        }
    }

    try {
        # Checked under the lock: npm writes azurite.js before the modules it needs.
        if (Test-Path $AzuriteScript) {
            return
        }
        Write-Host "Installing Azurite $AzuriteVersion into $AzuriteFolder ..."
        & npm install --no-audit --no-fund --prefix $AzuriteFolder "azurite@$AzuriteVersion"
        if ($LASTEXITCODE -ne 0 -or -not (Test-Path $AzuriteScript)) {
            throw "npm install azurite@$AzuriteVersion failed (exit code $LASTEXITCODE)."
        }
    }
    finally {
        $lock.Dispose()
    }
}

function Start-Azurite {
    New-Item -ItemType Directory -Force -Path $AzuriteData | Out-Null

    # Ctrl+C signals every process in the terminal's foreground group. Azurite gets a session of its own,
    # so it keeps serving while the silo shuts down and grains write their last state; the finally block
    # stops it afterwards. Where setsid is missing (macOS) both get the signal at once and the silo's last
    # writes can fail.
    $setsid = Get-Command setsid -CommandType Application -ErrorAction Ignore | Select-Object -First 1
    if ($setsid) {
        # setsid replaces itself with node here (it only forks when started as a group leader), so the
        # process id below is Azurite's own.
        $startInfo = [System.Diagnostics.ProcessStartInfo]::new($setsid.Source)
        $startInfo.ArgumentList.Add('node')
    }
    else {
        $startInfo = [System.Diagnostics.ProcessStartInfo]::new('node')
    }
    $startInfo.UseShellExecute = $false
    foreach ($argument in @(
            $AzuriteScript, '--silent',
            '--blobHost', '127.0.0.1', '--blobPort', $BlobPort,
            '--queueHost', '127.0.0.1', '--queuePort', $QueuePort,
            '--tableHost', '127.0.0.1', '--tablePort', $TablePort,
            '--location', $AzuriteData,
            '--loose')) {
        $startInfo.ArgumentList.Add([string]$argument)
    }
    return [System.Diagnostics.Process]::Start($startInfo)
}

function Wait-Azurite([System.Diagnostics.Process] $Process) {
    $deadline = [DateTime]::UtcNow.AddSeconds(60)
    foreach ($port in $BlobPort, $QueuePort, $TablePort) {
        while (-not (Test-PortListening $port)) {
            if ($Process.HasExited) {
                throw "Azurite exited with code $($Process.ExitCode) before listening on port $port; " +
                    'see its output above.'
            }
            if ([DateTime]::UtcNow -gt $deadline) {
                throw "Azurite was not listening on port $port after 60 seconds."
            }
            Start-Sleep -Milliseconds 200
        }
    }
}

function Stop-Azurite([System.Diagnostics.Process] $Process) {
    if ($Process.HasExited) {
        return
    }
    Write-Host 'Stopping Azurite ...'
    if ($IsWindows) {
        Stop-Process -Id $Process.Id -Force
    }
    else {
        # Azurite shuts down cleanly on SIGINT; SIGTERM can leave it running.
        & /bin/kill -INT $Process.Id 2>$null
    }
    if (-not $Process.WaitForExit(10000)) {
        $Process.Kill($true)
    }
}

if ($Silos -gt 1 -and $Storage -ne 'Azurite') {
    throw "-Silos $Silos needs -Storage Azurite: memory storage lives inside one silo, so silos would not share profiles."
}

$script:clusterSilos = @()

function Stop-Silo([System.Diagnostics.Process] $Process) {
    if ($Process.HasExited) {
        return
    }
    # The silos share this terminal, so Ctrl+C has reached them already; this covers every other way out.
    if ($IsWindows) {
        Stop-Process -Id $Process.Id -Force
    }
    else {
        & /bin/kill -TERM $Process.Id 2>$null
    }
    if (-not $Process.WaitForExit(30000)) {
        $Process.Kill($true)
    }
}

# Builds once, then starts $Silos processes of the built silo; returns when every one has exited.
function Start-Cluster {
    Write-Host "Building the silo, then starting $Silos silos (Azure Table clustering in Azurite); press Ctrl+C to stop."
    & dotnet build (Join-Path $RepoRoot 'src' 'Cdp.Silo') -c Release --nologo -v quiet
    if ($LASTEXITCODE -ne 0) {
        throw "dotnet build failed (exit code $LASTEXITCODE)."
    }
    $dll = Join-Path $RepoRoot 'src' 'Cdp.Silo' 'bin' 'Release' 'net10.0' 'Cdp.Silo.dll'
    $gateways = @()
    for ($i = 0; $i -lt $Silos; $i++) {
        $startInfo = [System.Diagnostics.ProcessStartInfo]::new('dotnet')
        $startInfo.UseShellExecute = $false
        $startInfo.WorkingDirectory = Split-Path $dll
        $startInfo.ArgumentList.Add($dll)
        $startInfo.Environment['Cdp__Cluster__Provider'] = 'AzureTable'
        $startInfo.Environment['Cdp__Cluster__AdvertisedAddress'] = '127.0.0.1'
        $startInfo.Environment['Cdp__Silo__SiloPort'] = "$($SiloPort + $i)"
        $startInfo.Environment['Cdp__Silo__GatewayPort'] = "$($GatewayPort + $i)"
        $startInfo.Environment['Cdp__Silo__DashboardPort'] = if ($i -eq 0) { "$DashboardPort" } else { '0' }
        $startInfo.Environment['Cdp__Http__Port'] = "$($HttpPort + $i)"
        $script:clusterSilos += [System.Diagnostics.Process]::Start($startInfo)
        $gateways += $GatewayPort + $i
        Write-Host "Silo $i (pid $($script:clusterSilos[-1].Id)): silo port $($SiloPort + $i), gateway $($GatewayPort + $i), HTTP API http://localhost:$($HttpPort + $i)/v1"
    }
    Write-Host "SDK: Cdp__Client__GatewayPorts__0=$($gateways[0]) ... or Cdp:Client:GatewayPorts = [$($gateways -join ', ')]"
    Write-Host ''

    # Polled rather than waited on, so that Ctrl+C reaches the script at once.
    while (@($script:clusterSilos | Where-Object { -not $_.HasExited }).Count -gt 0) {
        Start-Sleep -Milliseconds 500
    }
    return ($script:clusterSilos | Measure-Object -Property ExitCode -Maximum).Maximum
}

$ports = [ordered]@{ 'silo' = $SiloPort; 'gateway' = $GatewayPort; 'dashboard' = $DashboardPort; 'HTTP API' = $HttpPort }
for ($i = 1; $i -lt $Silos; $i++) {
    $ports["silo $i"] = $SiloPort + $i
    $ports["gateway $i"] = $GatewayPort + $i
    $ports["HTTP API $i"] = $HttpPort + $i
}
if ($Storage -eq 'Azurite') {
    $ports['Azurite blob'] = $BlobPort
    $ports['Azurite queue'] = $QueuePort
    $ports['Azurite table'] = $TablePort
}
Assert-PortsFree $ports

# A development key for the HTTP API: CDP_DEV_KEY when set (to keep one across runs), otherwise a fresh one.
$DevKey = if ($env:CDP_DEV_KEY) { $env:CDP_DEV_KEY } else {
    'cdp-dev-' + [System.Convert]::ToHexString([System.Security.Cryptography.RandomNumberGenerator]::GetBytes(16)).ToLowerInvariant()
}

$settings = [ordered]@{
    'Cdp__Storage__Provider'         = 'Memory'
    # Removed rather than inherited, so a connection string left in the shell cannot leak into a Memory run.
    'Cdp__Storage__ConnectionString' = $null
    'Cdp__Silo__SiloPort'            = "$SiloPort"
    'Cdp__Silo__GatewayPort'         = "$GatewayPort"
    'Cdp__Silo__DashboardPort'       = "$DashboardPort"
    'Cdp__Http__Port'                = "$HttpPort"
    'Cdp__Http__BootstrapKey'        = $DevKey
    # The development key is accepted only in the Development environment.
    'DOTNET_ENVIRONMENT'             = 'Development'
    'ASPNETCORE_ENVIRONMENT'         = 'Development'
}

$azurite = $null
$previous = @{}
try {
    if ($Storage -eq 'Azurite') {
        Assert-Node
        Install-Azurite
        $azurite = Start-Azurite
        Wait-Azurite $azurite

        $settings['Cdp__Storage__Provider'] = 'AzureTable'
        $settings['Cdp__Storage__ConnectionString'] =
            "DefaultEndpointsProtocol=http;AccountName=$DevAccountName;AccountKey=$DevAccountKey;" +
            "BlobEndpoint=http://127.0.0.1:$BlobPort/$DevAccountName;" +
            "QueueEndpoint=http://127.0.0.1:$QueuePort/$DevAccountName;" +
            "TableEndpoint=http://127.0.0.1:$TablePort/$DevAccountName;"
        # Durable storage needs a salt for erased identifiers' hashes; a fixed one is right for local data only.
        # CDP_SUPPRESSION_SALT keeps one of your own.
        $settings['Cdp__Privacy__SuppressionSalt'] =
            if ($env:CDP_SUPPRESSION_SALT) { $env:CDP_SUPPRESSION_SALT } else { 'cdp-local-azurite-salt' }
    }

    # Restored in the finally block, so a run from an interactive shell leaves that shell as it was.
    foreach ($name in $settings.Keys) {
        $previous[$name] = [Environment]::GetEnvironmentVariable($name)
        [Environment]::SetEnvironmentVariable($name, $settings[$name])
    }

    Write-Host ''
    if ($azurite) {
        Write-Host "Azurite (pid $($azurite.Id)), data in $AzuriteData"
        Write-Host "  blob       http://127.0.0.1:$BlobPort/$DevAccountName"
        Write-Host "  queue      http://127.0.0.1:$QueuePort/$DevAccountName"
        Write-Host "  table      http://127.0.0.1:$TablePort/$DevAccountName"
    }
    else {
        Write-Host 'Storage: in memory (lost when the silo stops)'
    }
    Write-Host "Silo port    $SiloPort"
    Write-Host "Gateway port $GatewayPort"
    Write-Host "Dashboard    http://localhost:$DashboardPort/dashboard"
    Write-Host "HTTP API     http://localhost:$HttpPort/v1  (OpenAPI: http://localhost:$HttpPort/openapi/v1.json)"
    Write-Host "Dev API key  $DevKey  (every scope; set CDP_DEV_KEY to keep one across runs)"
    Write-Host "  try: curl -u ${DevKey}: http://localhost:$HttpPort/v1/track -H 'Content-Type: application/json' -d '{`"userId`":`"u-1`",`"event`":`"Hello`"}'"
    Write-Host "  keys for other systems: POST /v1/keys with this key (see docs/http-api.md)"
    if ($Silos -eq 1) {
        Write-Host 'Building and starting the silo; press Ctrl+C to stop.'
        Write-Host ''

        & dotnet run --project (Join-Path $RepoRoot 'src' 'Cdp.Silo') -c Release --
        $siloExitCode = $LASTEXITCODE
    }
    else {
        $siloExitCode = Start-Cluster
    }
}
finally {
    foreach ($silo in $script:clusterSilos) {
        Stop-Silo $silo
    }
    if ($azurite) {
        Stop-Azurite $azurite
    }
    foreach ($name in $previous.Keys) {
        [Environment]::SetEnvironmentVariable($name, $previous[$name])
    }
}

exit $siloExitCode
