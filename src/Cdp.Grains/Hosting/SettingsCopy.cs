using System.Reflection;

namespace Cdp.Grains.Hosting;

/// <summary>
/// Copies every public read-write property of a settings object onto another of the same type. The hosting
/// extensions take settings as objects and register them through the options system; copying them whole means a
/// setting added to a type reaches the running silo without anyone remembering to add it to a copy.
/// </summary>
internal static class SettingsCopy
{
    public static void Into<T>(T from, T to)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(from);
        ArgumentNullException.ThrowIfNull(to);
        foreach (var property in Settable<T>.Properties)
        {
            property.SetValue(to, property.GetValue(from));
        }
    }

    private static class Settable<T>
    {
        public static readonly PropertyInfo[] Properties = [.. typeof(T)
            .GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p is { CanRead: true, CanWrite: true } && p.GetIndexParameters().Length == 0 && p.SetMethod!.IsPublic)];
    }
}
